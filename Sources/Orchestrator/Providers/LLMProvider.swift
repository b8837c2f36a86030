/// Something that answers chat requests: an OpenAI-compatible endpoint, a simulated model, a recording.
///
/// Providers are small, `Sendable` and async. They throw `ProviderError` for failures a caller can act on
/// (retry, fall back, record); anything else thrown is recorded as it is.
public protocol LLMProvider: Sendable {
    /// Answers one chat request.
    func complete(_ request: ChatRequest) async throws -> ChatResponse
}

/// One message of a chat.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// Who speaks.
    public enum Role: String, Sendable, Codable {
        case system
        case user
        case assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat request for one model.
public struct ChatRequest: Sendable {
    /// The model, as the fleet describes it.
    public var model: ModelSpec
    /// The conversation.
    public var messages: [ChatMessage]
    /// The most tokens the reply may have.
    public var maxTokens: Int
    /// Sampling temperature, when the caller sets one.
    public var temperature: Double?
    /// Where the call stands in the run; real providers ignore it, the simulated provider draws from it.
    public var context: CallContext

    public init(model: ModelSpec, messages: [ChatMessage], maxTokens: Int, temperature: Double? = nil, context: CallContext) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.context = context
    }
}

/// Where a call stands in a run: what every provider may know. What only a stand-in model may know — the expected
/// answer, the agent's role, its neighbours' messages as structures — travels in `simulation`, which the
/// `ModelCaller` hands to simulated models alone: a real model's provider gets nil, so it can never leak the answer.
public struct CallContext: Sendable {
    /// The task's id.
    public var taskID: String
    /// The task's query (a real model reads it in its prompt too).
    public var query: String
    /// The task's domain (given or inferred).
    public var domain: Domain
    /// The kind of answer asked for.
    public var answerKind: AnswerKind
    /// The agent's position in the plan.
    public var agentIndex: Int
    /// The step of the run.
    public var step: Int
    /// The run's seed.
    public var seed: UInt64
    /// What a simulated model plays against; nil for every other provider.
    public var simulation: SimulationHints?

    public init(
        taskID: String,
        query: String,
        domain: Domain,
        answerKind: AnswerKind,
        expected: ExpectedAnswer?,
        role: Role,
        agentIndex: Int,
        step: Int,
        neighbours: [NeighbourMessage] = [],
        seed: UInt64
    ) {
        self.taskID = taskID
        self.query = query
        self.domain = domain
        self.answerKind = answerKind
        self.agentIndex = agentIndex
        self.step = step
        self.seed = seed
        simulation = SimulationHints(expected: expected, role: role, neighbours: neighbours)
    }

    /// The context as a provider of `kind` may see it.
    func visible(to kind: ProviderKind) -> CallContext {
        var copy = self
        if kind != .simulated { copy.simulation = nil }
        return copy
    }
}

/// What only a simulated model gets: the truth it is right or wrong against, the role it plays and its neighbours'
/// messages as structures.
public struct SimulationHints: Sendable {
    /// The expected answer, when the task has one.
    public var expected: ExpectedAnswer?
    /// The agent's role.
    public var role: Role
    /// The neighbours' messages the agent got in this step, with their verdicts (withheld ones without text).
    public var neighbours: [NeighbourMessage]
}

/// A neighbour's message as one receiver got it.
public struct NeighbourMessage: Sendable, Equatable {
    /// The sender's position in the plan.
    public var sender: Int
    /// The text, or nil when verification kept it back.
    public var response: String?
    /// Its normalised answer, or nil when it had none or was kept back.
    public var answer: String?
    /// What verification said of it for this receiver.
    public var verdict: DeliveryVerdict

    public init(sender: Int, response: String?, answer: String?, verdict: DeliveryVerdict) {
        self.sender = sender
        self.response = response
        self.answer = answer
        self.verdict = verdict
    }
}

/// A provider's reply.
public struct ChatResponse: Sendable, Equatable {
    /// The assistant's text.
    public var content: String
    /// Tokens used.
    public var usage: TokenUsage
    /// Why generation stopped, when the provider says.
    public var finishReason: String?
    /// Whether the answer was judged correct when it was recorded, for recorded outcomes that keep only that
    /// judgement (MMLU in RouteLLM's data); nil for live models.
    public var recordedCorrect: Bool?
    /// What the call cost as recorded (recorded outcomes that kept it); nil to price it by the fleet.
    public var costUSD: Double?
    /// False for a recorded outcome that kept no response text: `content` is then a notice the same for right and wrong
    /// answers, and nothing reads it (no answer, no checks, no features), so no label can leak through made-up text.
    public var textRecorded: Bool

    public init(
        content: String,
        usage: TokenUsage,
        finishReason: String? = nil,
        recordedCorrect: Bool? = nil,
        costUSD: Double? = nil,
        textRecorded: Bool = true
    ) {
        self.content = content
        self.usage = usage
        self.finishReason = finishReason
        self.recordedCorrect = recordedCorrect
        self.costUSD = costUSD
        self.textRecorded = textRecorded
    }

    /// What the call cost: as recorded, else its tokens at the model's prices.
    public func cost(on model: ModelSpec) -> Double {
        costUSD ?? model.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
    }
}

/// Token counts of one or more calls.
public struct TokenUsage: Sendable, Codable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// True when any count was estimated rather than reported by the provider.
    public var estimated: Bool

    public init(promptTokens: Int = 0, completionTokens: Int = 0, estimated: Bool = false) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.estimated = estimated
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    /// The sum of two usages.
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            promptTokens: lhs.promptTokens + rhs.promptTokens,
            completionTokens: lhs.completionTokens + rhs.completionTokens,
            estimated: lhs.estimated || rhs.estimated
        )
    }

    /// A rough token count for text (about four characters a token), for estimates.
    public static func estimate(_ text: String) -> Int {
        max(1, (text.utf8.count + 3) / 4)
    }
}
