/// What the controller decided for one task: a topology, agents with roles and models, and why.
public struct Plan: Sendable, Codable, Equatable {
    /// The topology's name.
    public var topology: String
    /// The agents, in position order.
    public var agents: [PlannedAgent]
    /// Rounds of exchange.
    public var rounds: Int
    /// How the final answer is formed.
    public var aggregation: Topology.Aggregation
    /// The domain the plan was made for (given or inferred).
    public var domain: Domain
    /// The query's difficulty as the controller saw it.
    public var difficulty: Double
    /// Every decision in order: topology, agent count, each role, each model.
    public var decisions: [Decision]
    /// The controller that made the plan.
    public var controllerVersion: String
    /// Whether choices were sampled or taken greedily.
    public var selection: SelectionMode
    /// Whether any model's quality in the plan's domain was known (declared in the fleet or calibrated). When not, and
    /// nothing else was learned, the prior explored (`exploring`). Nil in plans stored before it was recorded.
    public var qualityKnown: Bool?
    /// When the model stage explored (no quality known, no learned plans): the scored answers in the domain its
    /// Thompson draws rested on. Nil when it did not explore, and in plans stored before exploring existed.
    public var exploring: Int?

    /// The log-probability of the whole plan: the sum over its decisions.
    public var logProbability: Double {
        decisions.reduce(0) { $0 + $1.logProbability }
    }
}

/// One agent of a plan.
public struct PlannedAgent: Sendable, Codable, Equatable {
    /// Position in the plan.
    public var index: Int
    /// The role's name.
    public var role: String
    /// The model's name.
    public var model: String
    /// The other allowed models, best first by the controller's ranking, for fallback.
    public var fallbackModels: [String]
    /// The model's learned share of right answers in the plan's domain, when the controller learned it from recorded
    /// outcomes: a vote weighs this agent's answer by it. Nil for a plain vote.
    public var reliability: Double?

    public init(index: Int, role: String, model: String, fallbackModels: [String], reliability: Double? = nil) {
        self.index = index
        self.role = role
        self.model = model
        self.fallbackModels = fallbackModels
        self.reliability = reliability
    }
}

/// How the controller turns a distribution into a choice.
public enum SelectionMode: String, Sendable, Codable, CaseIterable {
    /// The most probable candidate (ties go to the first); for serving.
    case greedy
    /// A draw from the distribution with the run's seed; for exploration and training.
    case sample
}
