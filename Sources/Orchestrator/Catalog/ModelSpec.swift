/// One model of a fleet: where it is served, what it costs, and what it is good at.
public struct ModelSpec: Sendable, Codable, Equatable {
    /// The name plans and traces use.
    public var name: String
    /// How the model is reached.
    public var provider: ProviderKind
    /// The model id sent to the provider.
    public var modelID: String
    /// The base URL of an OpenAI-compatible endpoint (for `openai`), such as `http://127.0.0.1:8080/v1`.
    public var endpoint: String?
    /// The name of an environment variable that, when set, replaces `endpoint` (for servers on changing ports).
    public var endpointEnvironment: String?
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
    /// Sampling settings sent with every call; several settings of one model make distinct fleet members.
    public var decoding: DecodingSettings
    /// Example exchanges put before each task, for base models that need few-shot prompting.
    public var fewShotExamples: [FewShotExample]
    /// How a simulated model behaves (only for `simulated`).
    public var simulation: SimulationProfile?
    /// The share of answers it gets right, per domain (`general` stands for missing domains), as the fleet file
    /// declares it or `orchestrate fleet calibrate` measured it; empty when unknown. The prior weighs it.
    public var quality: [Domain: Double] = [:]

    public init(
        name: String,
        provider: ProviderKind,
        modelID: String,
        endpoint: String? = nil,
        endpointEnvironment: String? = nil,
        apiKeyEnvironment: String? = nil,
        inputPricePerMillion: Double,
        outputPricePerMillion: Double,
        contextLength: Int = 8192,
        description: String,
        limits: ModelLimits = ModelLimits(),
        decoding: DecodingSettings = DecodingSettings(),
        fewShotExamples: [FewShotExample] = [],
        simulation: SimulationProfile? = nil,
        quality: [Domain: Double] = [:]
    ) {
        self.name = name
        self.provider = provider
        self.modelID = modelID
        self.endpoint = endpoint
        self.endpointEnvironment = endpointEnvironment
        self.apiKeyEnvironment = apiKeyEnvironment
        self.inputPricePerMillion = inputPricePerMillion
        self.outputPricePerMillion = outputPricePerMillion
        self.contextLength = contextLength
        self.description = description
        self.limits = limits
        self.decoding = decoding
        self.fewShotExamples = fewShotExamples
        self.simulation = simulation
        self.quality = quality
    }

    /// Its quality in a domain, or in general where the domain is missing; nil when unknown.
    public func quality(in domain: Domain) -> Double? {
        quality[domain] ?? quality[.general]
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
    /// The most calls in flight at once, across every run of an orchestrator.
    public var concurrency: Int?
    /// The most requests a minute.
    public var requestsPerMinute: Int?
    /// How long one call may take, in seconds, before it counts as timed out.
    public var timeoutSeconds: Double?
    /// How many times a call that failed in a retryable way (429, 5xx, timeout, connection) is tried again.
    public var maxRetries: Int?

    /// The call timeout when a model sets none.
    public static let defaultTimeoutSeconds = 120.0
    /// The retries when a model sets none.
    public static let defaultMaxRetries = 2

    public init(concurrency: Int? = nil, requestsPerMinute: Int? = nil, timeoutSeconds: Double? = nil, maxRetries: Int? = nil) {
        self.concurrency = concurrency
        self.requestsPerMinute = requestsPerMinute
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
    }
}

/// Sampling settings sent with every call to a model.
public struct DecodingSettings: Sendable, Codable, Equatable {
    /// Sampling temperature.
    public var temperature: Double?
    /// Nucleus sampling mass.
    public var topP: Double?
    /// The most tokens a reply may have; the orchestrator's own limit applies when it is lower.
    public var maxTokens: Int?
    /// Sequences that end a reply.
    public var stop: [String]

    public init(temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil, stop: [String] = []) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
    }
}

/// One worked example shown to a model before the task: a user turn and the assistant's reply.
public struct FewShotExample: Sendable, Codable, Equatable {
    public var user: String
    public var assistant: String

    public init(user: String, assistant: String) {
        self.user = user
        self.assistant = assistant
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
    /// The share of its wrong numeric answers whose shown working has a step that does not re-compute (the rest
    /// are wrong with arithmetic that holds: a misread task, a wrong method).
    public var slipShare: Double

    /// The share of wrong GSM8K answers of Mixtral-8x7B whose real recorded working failed the arithmetic or
    /// format check (103 of 477, `orchestrate-bench escalation` on RouteLLM's data).
    public static let defaultSlipShare = 0.22

    public init(
        accuracy: [Domain: Double],
        latencyMilliseconds: Double,
        latencyJitterMilliseconds: Double = 0,
        outputTokens: Int = 120,
        conformity: Double = 0.3,
        slipShare: Double = SimulationProfile.defaultSlipShare
    ) {
        self.accuracy = accuracy
        self.latencyMilliseconds = latencyMilliseconds
        self.latencyJitterMilliseconds = latencyJitterMilliseconds
        self.outputTokens = outputTokens
        self.conformity = conformity
        self.slipShare = slipShare
    }

    /// The accuracy for a domain.
    public func accuracy(for domain: Domain) -> Double {
        accuracy[domain] ?? accuracy[.general] ?? 0.5
    }
}
