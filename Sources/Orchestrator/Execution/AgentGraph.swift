/// The concrete graph of one plan: which agents act in each step, and whose messages each one receives.
///
/// Agents of one step act concurrently; an edge `from → to` in a step delivers the latest message
/// of `from` (from an earlier step) to `to` before `to` acts.
public struct AgentGraph: Sendable, Equatable {
    /// A directed edge: `to` receives the latest message of `from`.
    public struct Edge: Sendable, Hashable, Codable, CustomStringConvertible {
        public var from: Int
        public var to: Int

        public init(_ from: Int, _ to: Int) {
            self.from = from
            self.to = to
        }

        public var description: String { "\(from)→\(to)" }
    }

    /// One synchronous step.
    public struct Step: Sendable, Equatable {
        /// The agents that act, in order.
        public var active: [Int]
        /// The deliveries into those agents, sorted by receiver, then sender.
        public var edges: [Edge]
        /// A cascade's later level: the step runs only when the escalation judge doubts the answer delivered to it.
        public var onlyWhenEscalated = false

        public init(active: [Int], edges: [Edge], onlyWhenEscalated: Bool = false) {
            self.active = active
            self.edges = edges
            self.onlyWhenEscalated = onlyWhenEscalated
        }

        /// The senders whose messages `agent` receives in this step.
        public func inputs(of agent: Int) -> [Int] {
            edges.filter { $0.to == agent }.map(\.from)
        }
    }

    /// The number of agents.
    public var agentCount: Int
    /// The steps, in order.
    public var steps: [Step]
    /// How the final answer is formed.
    public var aggregation: Topology.Aggregation
    /// The agents whose latest answers form the final answer.
    public var answeringAgents: [Int]
}

/// A topology that cannot be laid out for a plan.
public struct AgentGraphError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
