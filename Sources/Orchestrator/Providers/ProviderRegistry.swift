/// Hands out the provider for each model of a fleet.
public struct ProviderRegistry: Sendable {
    private var providers: [ProviderKind: any LLMProvider]

    /// A registry with the providers this build has: `simulated`.
    public init() {
        providers = [.simulated: SimulatedProvider()]
    }

    /// A registry with the given providers; useful for tests and for plugging in your own.
    public init(providers: [ProviderKind: any LLMProvider]) {
        self.providers = providers
    }

    /// Adds or replaces the provider of a kind.
    public mutating func register(_ provider: any LLMProvider, for kind: ProviderKind) {
        providers[kind] = provider
    }

    /// The provider for a model.
    public func provider(for model: ModelSpec) throws(ProviderError) -> any LLMProvider {
        guard let provider = providers[model.provider] else {
            throw ProviderError(
                kind: .unavailable,
                model: model.name,
                message: "no provider of kind '\(model.provider.rawValue)' is registered in this build"
            )
        }
        return provider
    }
}
