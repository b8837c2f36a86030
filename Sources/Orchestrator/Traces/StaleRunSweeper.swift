import Logging

/// Looks for abandoned runs while a long-lived process (`serve`) runs: every `interval`, the running runs of other
/// processes that have ended on this host, or that have not beaten for `staleAfter` on any host, are marked
/// `interrupted` (`TraceStore.markInterruptedRuns`); the process's own runs are spared. With several replicas on one
/// store, a replica killed mid-run is noticed by the others within `staleAfter` plus `interval`.
public struct StaleRunSweeper: Sendable {
    public let store: TraceStore
    public let interval: Duration
    public let staleAfter: Duration
    let logger: Logger

    public init(store: TraceStore, interval: Duration = .seconds(30), staleAfter: Duration = TraceStore.staleRunLimit, logger: Logger) {
        self.store = store
        self.interval = interval
        self.staleAfter = staleAfter
        self.logger = logger
    }

    /// Sweeps until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            do {
                let marked = try await store.markInterruptedRuns(staleAfter: staleAfter, sparingOwnRuns: true)
                if marked > 0 { logger.notice("marked abandoned runs interrupted", metadata: ["runs": "\(marked)"]) }
            } catch {
                logger.warning("could not look for abandoned runs", metadata: ["error": "\(error)"])
            }
        }
    }
}
