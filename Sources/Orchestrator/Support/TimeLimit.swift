import NIOConcurrencyHelpers

/// Thrown by `withTimeLimit` and `withHardTimeLimit` when the limit passes before the operation ends.
public struct TimeLimitExceeded: Error {
    public init() {}
}

/// Runs an operation, cancelling it and throwing `TimeLimitExceeded` if `deadline` passes first (the operation is
/// waited for to end, as it heeds cancellation). With no deadline the operation simply runs. The deadline is kept by
/// the process's `Watchdog`, not a sleeping task of its own.
func withTimeLimit<T: Sendable>(
    _ deadline: ContinuousClock.Instant?,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let deadline else { return try await operation() }
    let expired = GiveUpFlag()
    let work = Task { try await operation() }
    let alarm = Watchdog.shared.schedule(at: deadline) {
        expired.set()
        work.cancel()
    }
    defer { Watchdog.shared.cancel(alarm) }
    let result = await withTaskCancellationHandler {
        await work.result
    } onCancel: {
        work.cancel()
    }
    if expired.isSet { throw TimeLimitExceeded() }
    return try result.get()
}

/// Runs an operation and returns its result, or throws `TimeLimitExceeded` once `limit` has passed — at once, even
/// when the operation does not heed cancellation (a database lease waiting for a server that is away): the operation
/// is cancelled and left to end on its own. `gaveUp` is set before the throw, for an operation that must not take
/// effect once its caller has stopped waiting (a transaction checks it before committing).
public func withHardTimeLimit<T: Sendable>(
    _ limit: Duration,
    gaveUp: GiveUpFlag = GiveUpFlag(),
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withHardTimeLimit(limit, gaveUp: gaveUp) { settle in
        let work = Task {
            do {
                settle(.success(try await operation()))
            } catch {
                settle(.failure(error))
            }
        }
        return { work.cancel() }
    }
}

/// `withHardTimeLimit` for an operation that reports its end by a callback rather than as a task (a write handed to
/// the database's own queue): `start` begins it, hands it `settle` to call when it ends, and returns what stops it,
/// called when the caller is cancelled or has stopped waiting. No task is made, so an operation that is quick costs
/// no hop to another task and back.
func withHardTimeLimit<T: Sendable>(
    _ limit: Duration,
    gaveUp: GiveUpFlag,
    starting start: (_ settle: @escaping @Sendable (Result<T, any Error>) -> Void) -> @Sendable () -> Void
) async throws -> T {
    let outcome = FirstOutcome<T>()
    let stop = start { outcome.settle(with: $0) }
    let alarm = Watchdog.shared.schedule(after: limit) {
        gaveUp.set()
        outcome.settle(with: .failure(TimeLimitExceeded()))
    }
    let result = await withTaskCancellationHandler {
        await outcome.value()
    } onCancel: {
        stop()
    }
    Watchdog.shared.cancel(alarm)
    if case .failure = result { stop() }
    return try result.get()
}

/// Set once a caller has stopped waiting for an operation (`withHardTimeLimit`).
public final class GiveUpFlag: Sendable {
    private let flag = NIOLockedValueBox(false)

    public init() {}

    func set() { flag.withLockedValue { $0 = true } }
    public var isSet: Bool { flag.withLockedValue { $0 } }
}

/// The first result of an operation or its time limit; later ones are dropped.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State: Sendable {
        var result: Result<T, any Error>?
        var waiting: CheckedContinuation<Result<T, any Error>, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func settle(with result: Result<T, any Error>) {
        let waiting = state.withLockedValue { state -> CheckedContinuation<Result<T, any Error>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume(returning: result)
    }

    func value() async -> Result<T, any Error> {
        await withCheckedContinuation { continuation in
            let settled = state.withLockedValue { state -> Result<T, any Error>? in
                if state.result == nil { state.waiting = continuation }
                return state.result
            }
            if let settled { continuation.resume(returning: settled) }
        }
    }
}
