extension AgentGraph {
    /// The graph of a cascade: the topology's graph with its agents as levels in `order` (position p of the layout
    /// is agent `order[p]`), every step after the first run only when escalated.
    public init(cascade topology: Topology, order: [Int], rounds: Int) throws(AgentGraphError) {
        guard topology.isCascade else {
            throw AgentGraphError(description: "topology '\(topology.name)' is not a cascade")
        }
        guard order.sorted() == Array(0..<order.count) else {
            throw AgentGraphError(description: "a cascade's level order \(order) is not a permutation of its \(order.count) agents")
        }
        let layout = try AgentGraph(topology: topology, agentCount: order.count, rounds: rounds, aggregation: .finalAgent)
        let steps = layout.steps.enumerated().map { index, step in
            Step(
                active: step.active.map { order[$0] },
                edges: step.edges.map { Edge(order[$0.from], order[$0.to]) }.sorted { ($0.to, $0.from) < ($1.to, $1.from) },
                onlyWhenEscalated: index > 0
            )
        }
        self.init(agentCount: order.count, steps: steps, aggregation: .finalAgent, answeringAgents: layout.answeringAgents.map { order[$0] })
    }

    /// The order of a plan's agents as cascade levels: cheapest model first (by the price of a thousand prompt
    /// and a thousand completion tokens), plan order among equals.
    public static func cascadeOrder(of plan: Plan, fleet: Fleet) -> [Int] {
        cascadeOrder(models: plan.agents.map(\.model), fleet: fleet)
    }

    /// The same order for agents' models given by name, in position order.
    public static func cascadeOrder(models: [String], fleet: Fleet) -> [Int] {
        let price = models.map { fleet.model(named: $0).map { $0.cost(promptTokens: 1000, completionTokens: 1000) } ?? .infinity }
        return models.indices.sorted { (price[$0], $0) < (price[$1], $1) }
    }
}
