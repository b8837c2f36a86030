/// How the executor retries a failed call and falls back to other models.
///
/// A call that fails in a retryable way (HTTP 429 or 5xx, a timeout, a dropped connection, an unusable
/// reply) is tried again up to the model's `limits.maxRetries` times, waiting `Retry-After` when the
/// provider sent one and otherwise an exponential backoff with jitter. When a model still fails, the agent's
/// role goes to the next model the controller ranked, up to `maxFallbacks` of them.
public struct RetryPolicy: Sendable, Equatable {
    /// The first backoff, in seconds; each retry doubles it.
    public var baseDelaySeconds: Double
    /// The longest backoff, in seconds.
    public var maxDelaySeconds: Double
    /// The longest `Retry-After` honoured; a provider asking for more is given up on and the role falls back.
    public var maxRetryAfterSeconds: Double
    /// How many of the controller's next-ranked models an agent may fall back to.
    public var maxFallbacks: Int

    public init(baseDelaySeconds: Double = 0.5, maxDelaySeconds: Double = 8, maxRetryAfterSeconds: Double = 30, maxFallbacks: Int = 2) {
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
        self.maxRetryAfterSeconds = maxRetryAfterSeconds
        self.maxFallbacks = maxFallbacks
    }

    /// Why a failed call is not retried, or nil when it is.
    func refusal(of error: ProviderError, retriesDone: Int, maxRetries: Int) -> String? {
        if !error.isRetryable { return "not retryable" }
        if retriesDone >= maxRetries { return "retries exhausted (\(maxRetries))" }
        if let wait = error.retryAfterSeconds, wait > maxRetryAfterSeconds {
            return "Retry-After \(wait) s exceeds the \(maxRetryAfterSeconds) s the policy waits"
        }
        return nil
    }

    /// The wait before retry number `retry` (1 for the first retry), in seconds.
    func delay<Random: RandomNumberGenerator>(beforeRetry retry: Int, after error: ProviderError, random: inout Random) -> Double {
        if let wait = error.retryAfterSeconds {
            return wait
        }
        let exponential = min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(retry - 1, 30)))
        return exponential * Double.random(in: 0.5...1, using: &random)
    }
}

/// The models that failed for good during one run; later calls of the run skip them.
actor ModelHealth {
    private var down: [String: String] = [:]

    func markDown(_ model: String, reason: String) {
        down[model] = reason
    }

    func isDown(_ model: String) -> Bool {
        down[model] != nil
    }
}
