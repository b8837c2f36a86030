/// A provider failure, with what a caller needs to decide whether to retry.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: String, Sendable {
        /// The provider kind is not available in this build or configuration.
        case unavailable
        /// The model's description is incomplete for its provider, or the key it names is not set.
        case misconfigured
        /// The call took too long.
        case timeout
        /// The connection failed or closed before a whole reply arrived.
        case connection
        /// The provider asked us to slow down (HTTP 429).
        case rateLimited
        /// The provider answered with something unusable: not JSON, no choices, empty content, too large.
        case invalidResponse
        /// The provider refused or failed the call (an HTTP error status).
        case failed
    }

    public var kind: Kind
    public var model: String
    public var message: String
    /// True when trying again may succeed.
    public var isRetryable: Bool
    /// How long the provider asked us to wait before trying again (HTTP `Retry-After`), in seconds.
    public var retryAfterSeconds: Double?
    /// The HTTP status, when the failure came with one.
    public var httpStatus: Int?

    public init(
        kind: Kind,
        model: String,
        message: String,
        isRetryable: Bool = false,
        retryAfterSeconds: Double? = nil,
        httpStatus: Int? = nil
    ) {
        self.kind = kind
        self.model = model
        self.message = message
        self.isRetryable = isRetryable
        self.retryAfterSeconds = retryAfterSeconds
        self.httpStatus = httpStatus
    }

    public var description: String {
        "\(kind.rawValue) (\(model)): \(message)"
    }
}
