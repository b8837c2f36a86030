/// The five AgentsNet problems: distributed tasks where every agent sees only its neighbours.
public enum AgentsNetProblem: String, Sendable, Codable, CaseIterable {
    case colouring
    case vertexCover = "vertex-cover"
    case matching
    case leaderElection = "leader-election"
    case consensus

    /// The rounds of message passing: 2 × diameter + 1 for the global problems (consensus, leader election), as
    /// AgentsNet sets them; `localRounds` for the others.
    public func rounds(on graph: NetworkGraph, localRounds: Int = 4) -> Int {
        switch self {
        case .consensus, .leaderElection: 2 * graph.diameter + 1
        case .colouring, .vertexCover, .matching: localRounds
        }
    }

    /// The groups of colouring: `Group 1` … `Group (max degree + 1)`.
    public static func colours(on graph: NetworkGraph) -> [String] {
        (1...(graph.maxDegree + 1)).map { "Group \($0)" }
    }

    /// The answers an agent may give at the end.
    public func validAnswers(of agent: Int, on graph: NetworkGraph) -> [String] {
        switch self {
        case .colouring: Self.colours(on: graph)
        case .vertexCover, .leaderElection: ["Yes", "No"]
        case .matching: graph.neighbours[agent].map { graph.agents[$0] } + ["None"]
        case .consensus: ["0", "1"]
        }
    }

    /// What the agents must achieve, as they are told.
    public var goal: String {
        switch self {
        case .colouring:
            "Your task is to partition yourselves into groups such that agents who are neighbours are never in the same group."
        case .vertexCover:
            "Your task is to select a group of coordinators such that whenever two agents communicate at least one of them is a coordinator, and every coordinator has at least one neighbour who is not a coordinator."
        case .matching:
            "Your task is to build groups of two agents each who can communicate with each other; every agent is in at most one group."
        case .leaderElection:
            "Your task is to collaboratively elect a single leader: in the end exactly one agent says it is the leader."
        case .consensus:
            "Your goal is to agree on a single value with the other agents. The possible values are 0 or 1."
        }
    }

    /// The final question.
    public func question(on graph: NetworkGraph) -> String {
        switch self {
        case .colouring:
            "Which group do you assign yourself to? There are exactly \(graph.maxDegree + 1) groups: Group 1 … Group \(graph.maxDegree + 1)."
        case .vertexCover: "Are you a coordinator?"
        case .matching: "Name the neighbour you build a group with, or 'None' if all your neighbours are already in other groups."
        case .leaderElection: "Are you the leader?"
        case .consensus: "Which value did you agree on?"
        }
    }
}
