/// One model of a fleet: where it is served, what it costs, and what it is good at.
public struct ModelSpec: Sendable, Codable, Equatable {
    /// The name plans and traces use.
    public var name: String
    /// How the model is reached.
    public var provider: ProviderKind
    /// The model id sent to the provider.
    public var modelID: String
    /// The base URL of an OpenAI-compatible endpoint (for `openai`).
    public var endpoint: String?
    /// The name of the environment variable that holds the API key; the key itself is never stored.
    public var apiKeyEnvironment: String?
    /// US dollars per million input tokens.
    public var inputPricePerMillion: Double
    /// US dollars per million output tokens.
    public var outputPricePerMillion: Double
    /// The context window, in tokens.
    public var contextLength: Int
    /// A short description of the model's strengths; embedded as its feature.
    public var description: String
    /// Optional limits on how the model is called.
    public var limits: ModelLimits
    /// How a simulated model behaves (only for `simulated`).
    public var simulation: SimulationProfile?

    public init(
        name: String,
        provider: ProviderKind,
        modelID: String,
        endpoint: String? = nil,
        apiKeyEnvironment: String? = nil,
        inputPricePerMillion: Double,
        outputPricePerMillion: Double,
        contextLength: Int = 8192,
        description: String,
        limits: ModelLimits = ModelLimits(),
        simulation: SimulationProfile? = nil
    ) {
        self.name = name
        self.provider = provider
        self.modelID = modelID
        self.endpoint = endpoint
        self.apiKeyEnvironment = apiKeyEnvironment
        self.inputPricePerMillion = inputPricePerMillion
        self.outputPricePerMillion = outputPricePerMillion
        self.contextLength = contextLength
        self.description = description
        self.limits = limits
        self.simulation = simulation
    }

    /// The cost in US dollars of a call with these token counts.
    public func cost(promptTokens: Int, completionTokens: Int) -> Double {
        (Double(promptTokens) * inputPricePerMillion + Double(completionTokens) * outputPricePerMillion) / 1_000_000
    }

    /// The mean of input and output price, a single price feature for the controller.
    public var blendedPricePerMillion: Double {
        (inputPricePerMillion + outputPricePerMillion) / 2
    }
}

/// How a model is reached.
public enum ProviderKind: String, Sendable, Codable, CaseIterable {
    /// Any OpenAI-compatible chat-completions endpoint.
    case openai
    /// A seeded, deterministic stand-in for tests and offline demos; always labelled as simulated.
    case simulated
    /// Answers with what a real model answered, from a recorded dataset.
    case recorded
}

/// Limits on calls to one model.
public struct ModelLimits: Sendable, Codable, Equatable {
    /// The most calls in flight at once.
    public var concurrency: Int?
    /// The most requests a minute.
    public var requestsPerMinute: Int?

    public init(concurrency: Int? = nil, requestsPerMinute: Int? = nil) {
        self.concurrency = concurrency
        self.requestsPerMinute = requestsPerMinute
    }
}

/// The behaviour of a simulated model.
public struct SimulationProfile: Sendable, Codable, Equatable {
    /// The probability of a right answer, per domain; domains not listed use `general`, else 0.5.
    public var accuracy: [Domain: Double]
    /// Mean latency of a call, in milliseconds; it really elapses.
    public var latencyMilliseconds: Double
    /// Uniform jitter around the mean latency, in milliseconds.
    public var latencyJitterMilliseconds: Double
    /// Mean number of output tokens per reply.
    public var outputTokens: Int
    /// The probability of adopting the neighbours' majority answer when it differs from its own.
    public var conformity: Double

    public init(
        accuracy: [Domain: Double],
        latencyMilliseconds: Double,
        latencyJitterMilliseconds: Double = 0,
        outputTokens: Int = 120,
        conformity: Double = 0.3
    ) {
        self.accuracy = accuracy
        self.latencyMilliseconds = latencyMilliseconds
        self.latencyJitterMilliseconds = latencyJitterMilliseconds
        self.outputTokens = outputTokens
        self.conformity = conformity
    }

    /// The accuracy for a domain.
    public func accuracy(for domain: Domain) -> Double {
        accuracy[domain] ?? accuracy[.general] ?? 0.5
    }
}
