import Foundation

/// The runs of tool calls in flight, so that a toolbox that stops (its client went away, the process was told to stop)
/// cancels them — each is then recorded `cancelled` — instead of leaving them `running` in the store.
actor InFlightRuns {
    private struct Entry {
        var cancel: @Sendable () -> Void
        /// Returns when the run has ended, however it ended.
        var ended: @Sendable () async -> Void
    }

    private var entries: [UUID: Entry] = [:]

    /// Runs `operation` as a run in flight: cancelled with the calling task, or by `cancelAll`.
    func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await operation() }
        let id = UUID()
        entries[id] = Entry(cancel: { work.cancel() }, ended: { _ = await work.result })
        defer { entries[id] = nil }
        return try await withTaskCancellationHandler {
            try await work.value
        } onCancel: {
            work.cancel()
        }
    }

    /// Cancels every run in flight and waits for them to end, at most `limit`.
    func cancelAll(waitingAtMost limit: Duration) async {
        let waiting = Array(entries.values)
        for entry in waiting { entry.cancel() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for entry in waiting { await entry.ended() }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }
}
