/// A collaboration structure, described as data: how agents are connected, round by round.
///
/// A topology is a list of phases. Each phase selects agents (all, the first, the last, each in turn,
/// layers…) and says whose latest messages each selected agent receives. Phases repeat a fixed number
/// of times or once per round of the plan, so a new topology of an existing pattern needs no code.
public struct Topology: Sendable, Codable, Equatable {
    /// A unique name.
    public var name: String
    /// What the topology does; embedded as its feature.
    public var description: String
    /// The smallest and largest agent counts the topology works with.
    public var agents: ClosedRange<Int>
    /// Rounds of exchange: the default, and the most allowed.
    public var defaultRounds: Int
    /// The most rounds the topology allows.
    public var maxRounds: Int
    /// How the agents are asked to reason.
    public var style: PromptStyle
    /// How the final answer is formed.
    public var aggregation: Aggregation
    /// True when the last agent takes the final decision, so its role is chosen among decision roles.
    public var hasDecider: Bool
    /// How a cascade decides to go up a level; nil for a topology that is not a cascade. A cascade's agents are levels,
    /// run cheapest model first; each level after the first runs only when the rule escalates the answer before it, and
    /// the final answer is the last level's that ran.
    public var cascade: CascadeRule?
    /// The hand-set prior: a logit for easy queries and one for hard queries, blended by difficulty.
    public var prior: TopologyPrior
    /// The phases, in order.
    public var phases: [TopologyPhase]

    public init(
        name: String,
        description: String,
        agents: ClosedRange<Int>,
        defaultRounds: Int = 1,
        maxRounds: Int = 1,
        style: PromptStyle = .direct,
        aggregation: Aggregation,
        hasDecider: Bool = false,
        cascade: CascadeRule? = nil,
        prior: TopologyPrior = TopologyPrior(easy: 0, hard: 0),
        phases: [TopologyPhase]
    ) {
        self.name = name
        self.description = description
        self.agents = agents
        self.defaultRounds = defaultRounds
        self.maxRounds = maxRounds
        self.style = style
        self.aggregation = aggregation
        self.hasDecider = hasDecider
        self.cascade = cascade
        self.prior = prior
        self.phases = phases
    }

    /// True for a cascade of either rule.
    public var isCascade: Bool { cascade != nil }

    /// Whether an agent reads another agent's message: any phase's inputs other than none. A cascade's later level
    /// is shown the level before's checked answer, but answers the task itself (a brief, dropped on a recorded fleet).
    public var readsMessages: Bool {
        func reads(_ phases: [TopologyPhase]) -> Bool {
            phases.contains { phase in
                switch phase {
                case .step(_, let inputs, _): inputs != .none
                case .block(let inner, _): reads(inner)
                }
            }
        }
        return reads(phases)
    }

    /// How a cascade decides whether the next level runs.
    public enum CascadeRule: String, Sendable, Codable, CaseIterable {
        /// The escalation judge (or, without one, the checks) doubts the level's answer.
        case judge
        /// The level's agents do not all give the same readable answer that no check failed.
        case agreement
    }

    /// How agents are asked to reason.
    public enum PromptStyle: String, Sendable, Codable, CaseIterable {
        /// Answer directly.
        case direct
        /// Think step by step before answering.
        case stepByStep = "step-by-step"
    }

    /// How the final answer is formed from the agents' answers.
    public enum Aggregation: String, Sendable, Codable, CaseIterable {
        /// The answer of the agent(s) of the last step (a majority if several).
        case finalAgent = "final-agent"
        /// A majority vote over every agent's latest answer; ties go to the answer given first.
        case vote
    }
}

/// The hand-set prior of a topology before any training.
public struct TopologyPrior: Sendable, Codable, Equatable {
    /// The logit for a query of difficulty 0.
    public var easy: Double
    /// The logit for a query of difficulty 1.
    public var hard: Double

    public init(easy: Double, hard: Double) {
        self.easy = easy
        self.hard = hard
    }

    /// The logit at a difficulty in [0, 1].
    public func logit(difficulty: Double) -> Double {
        easy * (1 - difficulty) + hard * difficulty
    }
}

/// One phase of a topology: which agents act, what they receive, and how often.
public indirect enum TopologyPhase: Sendable, Codable, Equatable {
    /// A step (or, for `eachInOrder` and `layers`, a run of steps) of selected agents.
    case step(selection: AgentSelection, inputs: InputRule, repeatCount: RepeatCount)
    /// A block of phases repeated as a whole (a solver–critic loop).
    case block(phases: [TopologyPhase], repeatCount: RepeatCount)
}

/// Which agents a phase activates, by position in the plan.
public enum AgentSelection: Sendable, Codable, Equatable {
    /// Every agent.
    case all
    /// The first agent.
    case first
    /// The last agent.
    case last
    /// Every agent but the last.
    case allButLast
    /// Every agent but the first.
    case allButFirst
    /// One step per agent, in order.
    case eachInOrder
    /// One step per layer; with a width, every agent but the last in even layers of at most that width,
    /// then the last alone; without, a tree whose layers halve towards a single root.
    case layers(width: Int?)
}

/// Whose latest messages an agent receives in a step.
public enum InputRule: String, Sendable, Codable, CaseIterable {
    /// Nothing: the agent answers independently.
    case none
    /// Every agent active in the step before.
    case previous
    /// Every other agent active in this step (their messages from before this step).
    case peers
    /// The agent before it in order.
    case predecessor
    /// Its share of the step before (agents of the previous layer are divided among this layer's agents).
    case children
    /// Every other agent that has spoken so far.
    case all
}

/// How many times a phase runs.
public enum RepeatCount: Sendable, Codable, Equatable {
    /// A fixed number of times.
    case times(Int)
    /// Once per round of the plan, less an offset (`rounds-1` is `rounds(minus: 1)`).
    case rounds(minus: Int)

    /// The count for a plan with this many rounds (never negative).
    public func count(rounds: Int) -> Int {
        switch self {
        case .times(let count): max(0, count)
        case .rounds(let minus): max(0, rounds - minus)
        }
    }
}
