/// One AgentsNet run to make: a problem on a graph, the model every agent uses, the verification policy and the
/// faults.
public struct AgentsNetRun: Sendable {
    public var problem: AgentsNetProblem
    public var graph: NetworkGraph
    /// The model of every agent. A simulated model runs the problem's simulated algorithm; any other is called
    /// with AgentsNet's prompts.
    public var model: ModelSpec
    /// Models a call falls back to, in order, when `model` fails for good (real models only).
    public var fallbackModels: [ModelSpec]
    public var policy: VerificationPolicy
    public var faults: [FaultSpec]
    public var seed: UInt64
    /// Rounds for colouring, vertex cover and matching (AgentsNet's default for graphs up to 16 agents is 4).
    public var localRounds: Int

    public init(
        problem: AgentsNetProblem,
        graph: NetworkGraph,
        model: ModelSpec,
        fallbackModels: [ModelSpec] = [],
        policy: VerificationPolicy = .check,
        faults: [FaultSpec] = [],
        seed: UInt64 = 0,
        localRounds: Int = 4
    ) {
        self.problem = problem
        self.graph = graph
        self.model = model
        self.fallbackModels = fallbackModels
        self.policy = policy
        self.faults = faults
        self.seed = seed
        self.localRounds = localRounds
    }
}

/// What an AgentsNet run produced.
public struct AgentsNetResult: Sendable, Codable, Equatable {
    public var runID: String
    public var problem: AgentsNetProblem
    public var graph: String
    public var model: String
    public var policy: VerificationPolicy
    public var rounds: Int
    /// AgentsNet's score of the final answers.
    public var score: Double
    /// Each agent's final answer, by index; nil when none could be read.
    public var answers: [String?]
    public var faults: [InjectedFault]
    public var flaggedMessages: Int
    public var withheldDeliveries: Int
    public var quarantinedAgents: [Int]
    /// Re-asks after a parse failure, and their cost (included in `costUSD`).
    public var verificationCalls: Int
    public var verificationCostUSD: Double
    public var calls: Int
    public var costUSD: Double
    public var usage: TokenUsage

    /// The share of honest agents whose final answer differs from theirs in a run without faults.
    public func propagation(against baseline: AgentsNetResult) -> Double? {
        let faulty = Set(faults.map(\.agent))
        let honest = answers.indices.filter { !faulty.contains($0) }
        guard !faults.isEmpty, !honest.isEmpty else { return nil }
        return Double(honest.filter { answers[$0] != baseline.answers[$0] }.count) / Double(honest.count)
    }
}
