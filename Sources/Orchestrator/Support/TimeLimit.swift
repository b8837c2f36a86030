/// Thrown by `withTimeLimit` when the limit passes before the operation ends.
struct TimeLimitExceeded: Error {}

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
