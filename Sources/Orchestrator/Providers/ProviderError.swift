/// A provider failure, with what a caller needs to decide whether to retry.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: String, Sendable {
        /// The provider kind is not available in this build or configuration.
        case unavailable
        /// The model's description is incomplete for its provider.
        case misconfigured
        /// The call took too long.
        case timeout
        /// The provider answered with something unusable.
        case invalidResponse
        /// The provider refused or failed the call.
        case failed
    }

    public var kind: Kind
    public var model: String
    public var message: String
    /// True when trying again may succeed.
    public var isRetryable: Bool

    public init(kind: Kind, model: String, message: String, isRetryable: Bool = false) {
        self.kind = kind
        self.model = model
        self.message = message
        self.isRetryable = isRetryable
    }

    public var description: String {
        "\(kind.rawValue) (\(model)): \(message)"
    }
}
