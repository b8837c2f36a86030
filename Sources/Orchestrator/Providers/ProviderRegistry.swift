/// Hands out the provider for each model of a fleet.
public struct ProviderRegistry: Sendable {
    private var providers: [ProviderKind: any LLMProvider]
    /// The provider names recorded with calls, where they differ from the model's provider kind.
    private var labels: [ProviderKind: String] = [:]

    /// A registry with the providers every build has: `simulated` and `openai` (any OpenAI-compatible
    /// endpoint). `recorded` needs recordings: see `init(recordings:)`.
    public init() {
        providers = [.simulated: SimulatedProvider(), .openai: OpenAICompatibleProvider()]
    }

    /// The standard providers, and a recorded provider answering from `recordings`.
    public init(recordings: RecordedOutcomes) {
        self.init()
        providers[.recorded] = RecordedProvider(outcomes: recordings)
    }

    /// A registry with the given providers only; useful for tests and for plugging in your own.
    public init(providers: [ProviderKind: any LLMProvider]) {
        self.providers = providers
    }

    /// A registry that answers every model with one provider, whose calls are recorded under `label`: how a
    /// replay serves recorded responses in place of every model.
    public init(everyModel provider: any LLMProvider, label: String) {
        providers = [:]
        for kind in ProviderKind.allCases {
            providers[kind] = provider
            labels[kind] = label
        }
    }

    /// The provider name recorded with a call to `model`: the model's provider kind unless the registry
    /// relabels it.
    public func label(for model: ModelSpec) -> String {
        labels[model.provider] ?? model.provider.rawValue
    }

    /// Adds or replaces the provider of a kind.
    public mutating func register(_ provider: any LLMProvider, for kind: ProviderKind) {
        providers[kind] = provider
    }

    /// The provider for a model.
    public func provider(for model: ModelSpec) throws(ProviderError) -> any LLMProvider {
        guard let provider = providers[model.provider] else {
            let hint =
                model.provider == .recorded
                ? "no recorded outcomes are loaded; pass the dataset's folder (orchestrate --recordings DIR)"
                : "no provider of kind '\(model.provider.rawValue)' is registered"
            throw ProviderError(kind: .unavailable, model: model.name, message: hint)
        }
        return provider
    }
}
