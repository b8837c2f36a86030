/// Per-model limits kept together by every process that records into one store, so that several `serve` replicas
/// keep a provider's limits between them rather than each its own (`TraceStore.sharedLimits`; PostgreSQL's
/// `PostgresModelLimits`). Each process still keeps its own gates and rate limiter too: the shared ones only add.
protocol SharedModelLimits: Sendable {
    /// Waits until a call to `model` may start with at most `requestsPerMinute` started by all processes in any
    /// minute, and counts it as started.
    func startCall(model: String, requestsPerMinute: Int) async throws

    /// Runs `operation` holding one of `concurrency` places for `model` shared by all processes; waits for one.
    func withPlace<Result: Sendable>(model: String, concurrency: Int, _ operation: @Sendable () async throws -> Result) async throws -> Result
}
