/// One semaphore per model that declares a concurrency limit, and one rate limiter per model that declares
/// requests a minute; shared by every run of an orchestrator, and kept with every other process recording into the
/// same store when the store shares limits (`SharedModelLimits`).
actor ModelGates {
    private var gates: [String: AsyncSemaphore] = [:]
    private var limiters: [String: RequestRateLimiter] = [:]
    private let shared: (any SharedModelLimits)?

    init(shared: (any SharedModelLimits)? = nil) {
        self.shared = shared
    }

    func rateLimiter(for model: ModelSpec) -> RequestRateLimiter? {
        guard let limit = model.limits.requestsPerMinute else { return nil }
        if let limiter = limiters[model.name] { return limiter }
        let limiter = RequestRateLimiter(limit: limit)
        limiters[model.name] = limiter
        return limiter
    }

    func gate(for model: ModelSpec) -> AsyncSemaphore? {
        guard let limit = model.limits.concurrency else { return nil }
        if let gate = gates[model.name] { return gate }
        let gate = AsyncSemaphore(permits: limit)
        gates[model.name] = gate
        return gate
    }

    /// Runs a call to `model` within its limits: a place under its concurrency (this process's, then the shared
    /// one), then a start under its requests a minute (this process's, then the shared count), counted just before
    /// the call goes out so that a wait for a place never separates a counted start from its request.
    nonisolated func withinLimits<Result: Sendable>(of model: ModelSpec, _ call: @escaping @Sendable () async throws -> Result) async throws -> Result
    {
        let started: @Sendable () async throws -> Result = { [self] in
            if let limiter = await rateLimiter(for: model) {
                try await limiter.acquire()
                if let shared, let limit = model.limits.requestsPerMinute { try await shared.startCall(model: model.name, requestsPerMinute: limit) }
            }
            return try await call()
        }
        guard let gate = await gate(for: model) else { return try await started() }
        return try await gate.withPermit {
            guard let shared, let limit = model.limits.concurrency else { return try await started() }
            return try await shared.withPlace(model: model.name, concurrency: limit, started)
        }
    }
}
