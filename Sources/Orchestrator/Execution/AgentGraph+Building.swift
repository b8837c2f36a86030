extension AgentGraph {
    /// Lays out a topology for an agent count and a number of rounds; the final answer is formed as the
    /// topology says, or by `aggregation` when given.
    public init(topology: Topology, agentCount: Int, rounds: Int, aggregation: Topology.Aggregation? = nil) throws(AgentGraphError) {
        guard topology.agents.contains(agentCount) else {
            throw AgentGraphError(
                description:
                    "topology '\(topology.name)' takes \(topology.agents.lowerBound) to \(topology.agents.upperBound) agents, not \(agentCount)"
            )
        }
        var builder = Builder(agentCount: agentCount, rounds: max(1, rounds))
        builder.add(topology.phases)
        let silent = (0..<agentCount).filter { !builder.spoken.contains($0) }
        guard silent.isEmpty, !builder.steps.isEmpty else {
            throw AgentGraphError(description: "topology '\(topology.name)' with \(agentCount) agents leaves agents \(silent) without a step")
        }
        let aggregation = aggregation ?? topology.aggregation
        let answering: [Int]
        switch aggregation {
        case .finalAgent: answering = builder.steps.last?.active ?? []
        case .vote: answering = Array(0..<agentCount)
        }
        self.init(agentCount: agentCount, steps: builder.steps, aggregation: aggregation, answeringAgents: answering)
    }

    private struct Builder {
        let agentCount: Int
        let rounds: Int
        var steps: [Step] = []
        var spoken: Set<Int> = []

        init(agentCount: Int, rounds: Int) {
            self.agentCount = agentCount
            self.rounds = rounds
        }

        mutating func add(_ phases: [TopologyPhase]) {
            for phase in phases {
                switch phase {
                case .block(let inner, let repeatCount):
                    for _ in 0..<repeatCount.count(rounds: rounds) {
                        add(inner)
                    }
                case .step(let selection, let inputs, let repeatCount):
                    for _ in 0..<repeatCount.count(rounds: rounds) {
                        for group in groups(for: selection) where !group.isEmpty {
                            addStep(active: group, inputs: inputs)
                        }
                    }
                }
            }
        }

        func groups(for selection: AgentSelection) -> [[Int]] {
            let everyone = Array(0..<agentCount)
            switch selection {
            case .all: return [everyone]
            case .first: return [[0]]
            case .last: return [[agentCount - 1]]
            case .allButLast: return [Array(everyone.dropLast())]
            case .allButFirst: return [Array(everyone.dropFirst())]
            case .eachInOrder: return everyone.map { [$0] }
            case .layers(let width): return Self.layers(agentCount: agentCount, width: width)
            }
        }

        mutating func addStep(active: [Int], inputs: InputRule) {
            let previous = steps.last?.active ?? []
            var edges: [Edge] = []
            for (position, receiver) in active.enumerated() {
                let senders: [Int]
                switch inputs {
                case .none: senders = []
                case .previous: senders = previous
                case .peers: senders = active.filter { spoken.contains($0) }
                case .predecessor: senders = receiver > 0 && spoken.contains(receiver - 1) ? [receiver - 1] : []
                case .children: senders = Self.share(of: previous, position: position, among: active.count)
                case .all: senders = spoken.sorted()
                }
                edges += senders.filter { $0 != receiver }.map { Edge($0, receiver) }
            }
            steps.append(Step(active: active, edges: edges))
            spoken.formUnion(active)
        }

        /// Contiguous, near-even shares of `items` for each of `count` receivers.
        static func share(of items: [Int], position: Int, among count: Int) -> [Int] {
            guard count > 0, !items.isEmpty else { return [] }
            let base = items.count / count
            let extra = items.count % count
            let start = position * base + min(position, extra)
            let length = base + (position < extra ? 1 : 0)
            return Array(items[min(start, items.count)..<min(start + length, items.count)])
        }

        /// Layers from the leaves to the single root (the last agent).
        static func layers(agentCount: Int, width: Int?) -> [[Int]] {
            guard agentCount > 1 else { return [[0]] }
            let others = agentCount - 1
            var sizes: [Int] = []
            if let width {
                let layerCount = (others + width - 1) / width
                sizes = (0..<layerCount).map { others / layerCount + ($0 < others % layerCount ? 1 : 0) }
            } else {
                var remaining = others
                var cap = 2
                var fromRoot: [Int] = []
                while remaining > 0 {
                    var size = min(cap, remaining)
                    if remaining - size > 0 && remaining - size < size {
                        size = remaining
                    }
                    fromRoot.append(size)
                    remaining -= size
                    cap *= 2
                }
                sizes = fromRoot.reversed()
            }
            var result: [[Int]] = []
            var next = 0
            for size in sizes {
                result.append(Array(next..<next + size))
                next += size
            }
            result.append([agentCount - 1])
            return result
        }
    }
}
