/// One unit of work handed to the orchestrator: a query, what a right answer looks like, and its limits.
///
/// Named `OrchestrationTask` so it never shadows Swift's own `Task`.
public struct OrchestrationTask: Sendable, Codable, Equatable {
    /// An identifier chosen by the user; generated from the file and line when absent.
    public var id: String
    /// The question or instruction.
    public var query: String
    /// The domain, when known; otherwise the controller infers one.
    public var domain: Domain?
    /// The expected answer, when known, used to score the run.
    public var expected: ExpectedAnswer?
    /// Limits the run must respect.
    public var budget: Budget
    /// Choices the controller must not make on its own.
    public var constraints: Constraints
    /// Agents to make faulty, for measuring how far errors spread; empty for a normal run.
    public var faults: [FaultSpec]
    /// Tests a code answer must pass; verification runs them on every code message.
    public var tests: CodeTests?
    /// How answers are read when the task has no expected answer (a recorded choice task nobody answered right, a
    /// question asked through `serve`); the expected answer's kind wins when there is one.
    public var declaredAnswerKind: AnswerKind?

    public init(
        id: String,
        query: String,
        domain: Domain? = nil,
        expected: ExpectedAnswer? = nil,
        budget: Budget = Budget(),
        constraints: Constraints = Constraints(),
        faults: [FaultSpec] = [],
        tests: CodeTests? = nil,
        declaredAnswerKind: AnswerKind? = nil
    ) {
        self.id = id
        self.query = query
        self.domain = domain
        self.expected = expected
        self.budget = budget
        self.constraints = constraints
        self.faults = faults
        self.tests = tests
        self.declaredAnswerKind = declaredAnswerKind
    }

    /// The kind of answer the task asks for: the expected answer's kind, else the declared kind, else the domain's
    /// usual kind.
    public var answerKind: AnswerKind {
        expected?.kind ?? declaredAnswerKind ?? (domain ?? .general).defaultAnswerKind
    }
}

/// The subject area of a task; roles and simulated accuracies are organised by it.
public enum Domain: String, Sendable, Codable, CaseIterable, Hashable {
    case math
    case code
    case knowledge
    case general

    /// The kind of answer tasks of this domain usually want.
    public var defaultAnswerKind: AnswerKind {
        switch self {
        case .math: .number
        case .code: .code
        case .knowledge: .choice
        case .general: .text
        }
    }
}

/// How an answer is read out of a response and compared.
public enum AnswerKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// A number; compared numerically.
    case number
    /// A multiple-choice letter (A to J); compared case-insensitively.
    case choice
    /// Free text; compared after normalising case, white space and trailing punctuation.
    case text
    /// A fenced code block; compared after normalising white space.
    case code
}

/// The expected answer of a task.
public struct ExpectedAnswer: Sendable, Codable, Equatable {
    /// The answer, as text (a number, a letter, or text).
    public var value: String
    /// How to compare answers against it.
    public var kind: AnswerKind

    public init(value: String, kind: AnswerKind) {
        self.value = value
        self.kind = kind
    }
}

/// Limits on a run. Every field is optional; `nil` means no limit beyond the defaults.
public struct Budget: Sendable, Codable, Equatable {
    /// The most the run may spend, in US dollars.
    public var maxCostUSD: Double?
    /// The most agents a plan may have.
    public var maxAgents: Int?
    /// The most rounds of exchange a plan may have.
    public var maxRounds: Int?
    /// Wall-clock limit for the whole run, in seconds.
    public var deadlineSeconds: Double?

    public init(maxCostUSD: Double? = nil, maxAgents: Int? = nil, maxRounds: Int? = nil, deadlineSeconds: Double? = nil) {
        self.maxCostUSD = maxCostUSD
        self.maxAgents = maxAgents
        self.maxRounds = maxRounds
        self.deadlineSeconds = deadlineSeconds
    }

    /// The largest agent count accepted anywhere.
    public static let agentLimit = 64
    /// The largest round count accepted anywhere.
    public static let roundLimit = 32
}

/// Pins for the controller's stages; each pinned stage has one candidate with probability 1.
public struct Constraints: Sendable, Codable, Equatable {
    /// The topology to use.
    public var topology: String?
    /// The number of agents.
    public var agentCount: Int?
    /// The role of each agent, in order; implies the agent count.
    public var roles: [String]?
    /// The models the controller may choose from.
    public var models: [String]?

    public init(topology: String? = nil, agentCount: Int? = nil, roles: [String]? = nil, models: [String]? = nil) {
        self.topology = topology
        self.agentCount = agentCount
        self.roles = roles
        self.models = models
    }
}
