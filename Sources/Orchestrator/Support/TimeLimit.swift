import NIOConcurrencyHelpers

/// Thrown by `withTimeLimit` and `withHardTimeLimit` when the limit passes before the operation ends.
public struct TimeLimitExceeded: Error {
    public init() {}
}

/// Runs an operation, cancelling it and throwing `TimeLimitExceeded` if `deadline` passes first.
/// With no deadline the operation simply runs.
func withTimeLimit<T: Sendable>(
    _ deadline: ContinuousClock.Instant?,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let deadline else { return try await operation() }
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw TimeLimitExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimeLimitExceeded() }
        return first
    }
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
    let outcome = HardTimeLimitOutcome<T>()
    let work = Task {
        do {
            await outcome.settle(with: .success(try await operation()))
        } catch {
            await outcome.settle(with: .failure(error))
        }
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        guard !Task.isCancelled else { return }
        gaveUp.set()
        await outcome.settle(with: .failure(TimeLimitExceeded()))
    }
    let result = await withTaskCancellationHandler {
        await outcome.value()
    } onCancel: {
        work.cancel()
    }
    timer.cancel()
    if case .failure = result { work.cancel() }
    return try result.get()
}

/// Set once a caller has stopped waiting for an operation (`withHardTimeLimit`).
public final class GiveUpFlag: Sendable {
    private let flag = NIOLockedValueBox(false)

    public init() {}

    func set() { flag.withLockedValue { $0 = true } }
    public var isSet: Bool { flag.withLockedValue { $0 } }
}

/// The first result of an operation or its timer; later ones are dropped.
private actor HardTimeLimitOutcome<T: Sendable> {
    private var result: Result<T, any Error>?
    private var waiting: CheckedContinuation<Result<T, any Error>, Never>?

    func settle(with result: Result<T, any Error>) {
        guard self.result == nil else { return }
        self.result = result
        waiting?.resume(returning: result)
        waiting = nil
    }

    func value() async -> Result<T, any Error> {
        if let result { return result }
        return await withCheckedContinuation { waiting = $0 }
    }
}
