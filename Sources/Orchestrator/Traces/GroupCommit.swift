import NIOConcurrencyHelpers

/// Writes the batches of runs that finish together in one transaction (group commit): under load, many runs' events
/// wait for the store at once, and one transaction for all of them costs the store one commit — one set of pages
/// written to SQLite's log, one round trip to PostgreSQL to begin and to commit, one hop to the writer — where a
/// transaction each cost one each.
///
/// A batch that arrives while fewer than `writers` transactions are under way and none waits is written at once, by its
/// own caller's task (no hop to another task and back: an idle store's write is the shortest); those that arrive while
/// all are busy are written together by the next writer free (at most `largestGroup`, one batch a run, in the order
/// they came), and a writer that finds batches waiting when its own is written leaves a task to write them. SQLite has
/// one writer; PostgreSQL several, each on its own connection. When a group's transaction fails, nothing of it is
/// written: a failure that says the store is down or timed out is every batch's, and every batch's queued behind it
/// (each would meet it alone, after as long a wait); any other (one run's batch that names a message it does not know)
/// is found by writing each batch of the group alone, so one run's mistake stays that run's.
final class GroupCommit: Sendable {
    /// The most batches written in one transaction.
    static let largestGroup = 64

    private typealias Written = Result<[TraceEvent.MessageKey: Int64], any Error>

    private struct Waiting: Sendable {
        var batch: RunBatch
        /// Hands the batch's outcome to whoever waits for it.
        var deliver: @Sendable (Written) -> Void
    }

    private struct State: Sendable {
        var queue: [Waiting] = []
        /// How many tasks are writing groups off the queue.
        var writing = 0
    }

    private let engine: any TraceEngine
    /// The most transactions under way at once.
    let writers: Int
    private let state = NIOLockedValueBox(State())

    init(engine: any TraceEngine, writers: Int) {
        self.engine = engine
        self.writers = max(1, writers)
    }

    /// How many batches wait for a writer.
    var queued: Int {
        state.withLockedValue { $0.queue.count }
    }

    /// Writes one run's batch, alone or with others', and returns the row id of each message written.
    func write(_ batch: RunBatch) async throws -> [TraceEvent.MessageKey: Int64] {
        // A batch written each time it is given is written alone: a group that fails unseen is not tried again.
        guard batch.number != nil else { return try await engine.write([batch])[0] }
        let writesNow = state.withLockedValue { state in
            guard state.writing < writers, state.queue.isEmpty else { return false }
            state.writing += 1
            return true
        }
        if writesNow {
            let own = NIOLockedValueBox<Written?>(nil)
            // Alone: the caller's cancellation reaches no other run's batch.
            await write([Waiting(batch: batch) { written in own.withLockedValue { $0 = written } }])
            handOff()
            guard let written = own.withLockedValue({ $0 }) else {
                preconditionFailure("a group's write delivers every batch of the group before it returns")
            }
            return try written.get()
        }
        let result = await withCheckedContinuation { continuation in
            let starts = state.withLockedValue { state in
                state.queue.append(Waiting(batch: batch) { continuation.resume(returning: $0) })
                guard state.writing < writers else { return false }
                state.writing += 1
                return true
            }
            if starts {
                Task { await self.writeQueue() }
            }
        }
        return try result.get()
    }

    /// Writes groups from the queue until it is empty.
    private func writeQueue() async {
        while let group = nextGroup() {
            await write(group)
        }
    }

    /// Ends a caller's own write: batches that came meanwhile get a task to write them, in the writer's place.
    private func handOff() {
        let leavesTask = state.withLockedValue { state in
            guard !state.queue.isEmpty else {
                state.writing -= 1
                return false
            }
            return true
        }
        if leavesTask {
            Task { await self.writeQueue() }
        }
    }

    /// Takes the next group off the queue, or ends this writer when it is empty.
    private func nextGroup() -> [Waiting]? {
        state.withLockedValue { state in
            guard !state.queue.isEmpty else {
                state.writing -= 1
                return nil
            }
            var group: [Waiting] = []
            var runs: Set<String> = []
            var rest: [Waiting] = []
            for waiting in state.queue {
                if group.count < Self.largestGroup, runs.insert(waiting.batch.runID).inserted {
                    group.append(waiting)
                } else {
                    rest.append(waiting)
                }
            }
            state.queue = rest
            return group
        }
    }

    private func write(_ group: [Waiting]) async {
        do {
            let written = try await engine.write(group.map(\.batch))
            for (waiting, ids) in zip(group, written) { waiting.deliver(.success(ids)) }
        } catch {
            if Self.isEveryBatchs(error) {
                // Those queued behind it would wait out the same bound again: they get the failure now.
                let queued = state.withLockedValue { state in
                    defer { state.queue = [] }
                    return state.queue
                }
                for waiting in group + queued { waiting.deliver(.failure(error)) }
                return
            }
            guard group.count > 1 else {
                group[0].deliver(.failure(error))
                return
            }
            for waiting in group {
                do {
                    waiting.deliver(.success(try await engine.write([waiting.batch])[0]))
                } catch {
                    waiting.deliver(.failure(error))
                }
            }
        }
    }

    /// Whether a group's failure would be each of its batches' alone: the store is down, full or did not answer.
    static func isEveryBatchs(_ error: any Error) -> Bool {
        (error as? TraceStoreFailure)?.storeIsDown ?? false
    }
}
