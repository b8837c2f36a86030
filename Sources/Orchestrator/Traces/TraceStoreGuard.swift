import Foundation

/// Bounds and classifies every operation of one store: each ends within `limit` (a PostgreSQL connection lost or
/// silent for `attemptLimit` on the way is retried on a new one with backoff inside that limit, its transaction
/// rolled back, so nothing is written twice), its failure becomes a `TraceStoreFailure` naming the store and the
/// operation, and the store's health follows what happened.
struct TraceStoreGuard: Sendable {
    let engine: String
    let store: String
    let health: TraceStoreHealth
    /// The longest one operation may take, retries included.
    let limit: Duration
    /// Whether a lost connection is worth another try (PostgreSQL's pool opens a new one; SQLite has none).
    let retriesLostConnections: Bool
    /// Told of each failure that says the store is down, before it is thrown (SQLite gives back its reserve).
    var onDown: @Sendable (TraceStoreFailure) -> Void = { _ in }

    /// The default bound of one store operation.
    static let defaultLimit: Duration = .seconds(10)
    /// The bound of one attempt at it, where a lost connection is retried.
    var attemptLimit: Duration = .seconds(3)
    /// The bound of a probe of a store that is down, which a health check or a request waits for.
    static let probeLimit: Duration = .seconds(2)
    /// The bound of copying a whole stored run in (`traces copy`), which may hold tens of thousands of rows.
    static let copyLimit: Duration = .seconds(600)
    /// The bound of a read, which may scan a large store (statistics, training); no request waits on one to answer.
    static let readLimit: Duration = .seconds(60)

    /// Runs `body` within the limit; `body` gets a flag that is set once the guard stopped waiting for it, to check
    /// before it commits.
    /// `within` replaces the limit for this operation, attempts included: shorter for a probe (a health check waits for
    /// it), longer for a bulk copy of a whole run. Only a
    /// write that went through says the store is up again (a full disk still reads). Errors that are not the
    /// database's (a run's own mistake, as `UnknownMessage`) pass through as they are. `retries: false` tries once,
    /// for a write that would be made twice if its first try committed unseen.
    func run<T: Sendable>(
        _ operation: String,
        within: Duration? = nil,
        writes: Bool = true,
        retries: Bool = true,
        _ body: @escaping @Sendable (GiveUpFlag) async throws -> T
    ) async throws -> T {
        try await run(operation, within: within, writes: writes, retries: retries) { bound, gaveUp in
            try await withHardTimeLimit(bound, gaveUp: gaveUp) { try await body(gaveUp) }
        }
    }

    /// `run` for an operation that reports its end by a callback (SQLite's writes, handed to its writer's queue):
    /// `start` begins an attempt with its flag and calls `settle` once when it ends. The caller's cancellation sets the
    /// flag, so a transaction not yet committed rolls back; one that committed is reported as written.
    func run<T: Sendable>(
        _ operation: String,
        within: Duration? = nil,
        writes: Bool = true,
        starting start: @escaping @Sendable (GiveUpFlag, _ settle: @escaping @Sendable (Result<T, any Error>) -> Void) -> Void
    ) async throws -> T {
        try await run(operation, within: within, writes: writes, retries: true) { bound, gaveUp in
            try await withHardTimeLimit(bound, gaveUp: gaveUp) { settle in
                start(gaveUp, settle)
                return { gaveUp.set() }
            }
        }
    }

    /// The loop of `run`: `attempt` is one try within the bound it is given, with the flag set once the guard stopped
    /// waiting for it.
    private func run<T: Sendable>(
        _ operation: String,
        within: Duration?,
        writes: Bool,
        retries: Bool,
        attempt: (Duration, GiveUpFlag) async throws -> T
    ) async throws -> T {
        let deadline = ContinuousClock.now + (within ?? limit)
        let retrying = retriesLostConnections && retries
        var failures = 0
        while true {
            let gaveUp = GiveUpFlag()
            do {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { throw TimeLimitExceeded() }
                // A connection that went quiet under a restarting server is given up for a new one.
                let bound = retrying && within == nil ? min(remaining, attemptLimit) : remaining
                let value = try await attempt(bound, gaveUp)
                if writes { health.succeeded() }
                return value
            } catch {
                gaveUp.set()
                if Task.isCancelled && !(error is TimeLimitExceeded) { throw error }
                guard TraceStoreFailure.isStoreError(error) else { throw error }
                let failure = TraceStoreFailure.classify(error, engine: engine, store: store, operation: operation)
                failures += 1
                let pause = Duration.milliseconds(min(1000, 50 << min(failures, 5)))
                let retryable = failure.cause == .unreachable || failure.cause == .timedOut
                guard retrying, retryable, ContinuousClock.now + pause < deadline else {
                    if failure.storeIsDown { onDown(failure) }
                    health.failed(failure)
                    throw failure
                }
                try? await Task.sleep(for: pause)
            }
        }
    }
}

/// Thrown by a transaction whose guard stopped waiting before it committed: it rolls back.
struct GaveUpBeforeCommit: Error, CustomStringConvertible {
    var description: String { "the store's time limit passed before the transaction committed; it was rolled back" }
}
