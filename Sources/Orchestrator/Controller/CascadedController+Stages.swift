import Foundation

extension CascadedController {
    func chooseTopology(
        task: OrchestrationTask,
        queryVector: [Double],
        difficulty: Double,
        features: [Double],
        guide: PlanTable.Guide? = nil,
        random: inout SeededGenerator,
        decisions: inout [Decision]
    ) throws -> Topology {
        let pins = task.constraints
        let pinnedCount = pins.agentCount ?? pins.roles?.count
        var indices: [Int] = []
        for (index, topology) in catalog.topologies.enumerated() {
            if let name = pins.topology, topology.name != name { continue }
            // On a recorded fleet, agents that read messages cannot be served: a pinned one is an error, the rest are
            // left out.
            if pins.topology != nil { try catalog.checkReplayable(topology) } else if !catalog.isPlayable(topology) { continue }
            if let limit = task.budget.maxAgents, topology.agents.lowerBound > limit { continue }
            if let count = pinnedCount, !topology.agents.contains(count) { continue }
            indices.append(index)
        }
        guard !indices.isEmpty else {
            throw PlanningError(
                message:
                    "no topology fits the task's constraints and budget (agents pinned: \(pinnedCount.map(String.init) ?? "no"), budget.maxAgents: \(task.budget.maxAgents.map(String.init) ?? "none"))"
            )
        }
        let prior = indices.map { index in
            catalog.topologies[index].prior.logit(difficulty: difficulty) + 0.5 * queryVector.dot(topologyVectors[index])
                + learned(.topology, catalog.topologies[index].name, features)
        }
        let logits = Self.following(guide, prior: prior) { guide, position in guide.topology(catalog.topologies[indices[position]].name) }
        let choice = choose(
            stage: .topology,
            position: nil,
            names: indices.map { catalog.topologies[$0].name },
            logits: logits,
            pinned: pins.topology != nil,
            random: &random
        )
        decisions.append(choice.decision)
        return catalog.topologies[indices[choice.index]]
    }

    func chooseAgentCount(
        task: OrchestrationTask,
        topology: Topology,
        difficulty: Double,
        features: [Double],
        guide: PlanTable.Guide? = nil,
        random: inout SeededGenerator,
        decisions: inout [Decision]
    ) throws -> Int {
        let pinned = task.constraints.agentCount ?? task.constraints.roles?.count
        let upper = min(topology.agents.upperBound, task.budget.maxAgents ?? Int.max)
        let counts = pinned.map { [$0] } ?? Array(topology.agents.lowerBound...upper)
        let target = Double(topology.agents.lowerBound) + difficulty * Double(upper - topology.agents.lowerBound)
        let prior = counts.map { -pow(Double($0) - target, 2) / 2 + learned(.agentCount, String($0), features) }
        let logits = Self.following(guide, prior: prior) { guide, position in guide.count(counts[position], topology: topology.name) }
        let choice = choose(stage: .agentCount, position: nil, names: counts.map(String.init), logits: logits, pinned: pinned != nil, random: &random)
        decisions.append(choice.decision)
        return counts[choice.index]
    }

    func chooseRoles(
        task: OrchestrationTask,
        topology: Topology,
        agentCount: Int,
        domain: Domain,
        queryVector: [Double],
        features: [Double],
        random: inout SeededGenerator,
        decisions: inout [Decision]
    ) throws -> [Role] {
        var chosen: [Role] = []
        for position in 0..<agentCount {
            if let pinnedName = task.constraints.roles?[position] {
                guard let role = catalog.role(named: pinnedName) else {
                    throw PlanningError(message: "role '\(pinnedName)' is not in the catalogue")
                }
                let choice = choose(stage: .role, position: position, names: [role.name], logits: [0], pinned: true, random: &random)
                decisions.append(choice.decision)
                chosen.append(role)
                continue
            }
            let decides = topology.hasDecider && position == agentCount - 1 && agentCount > 1
            let indices = catalog.roles.indices.filter { index in
                let role = catalog.roles[index]
                return decides ? role.isDecision : !role.isDecision
            }
            guard !indices.isEmpty else {
                throw PlanningError(message: "the catalogue has no \(decides ? "decision" : "working") roles for position \(position)")
            }
            let logits = indices.map { index -> Double in
                let role = catalog.roles[index]
                let domainFit: Double = role.domain == domain ? 2.0 : (role.domain == .general ? 0.3 : -1.5)
                let repeats = Double(chosen.filter { $0.name == role.name }.count)
                return 3 * queryVector.dot(roleVectors[index]) + domainFit - 1.5 * repeats + learned(.role, role.name, features)
            }
            let choice = choose(
                stage: .role,
                position: position,
                names: indices.map { catalog.roles[$0].name },
                logits: logits,
                pinned: false,
                random: &random
            )
            decisions.append(choice.decision)
            chosen.append(catalog.roles[indices[choice.index]])
        }
        return chosen
    }

    func chooseModels(
        task: OrchestrationTask,
        roles: [Role],
        topology: Topology,
        domain: Domain,
        difficulty: Double,
        queryVector: [Double],
        features: [Double],
        guide: PlanTable.Guide? = nil,
        reliability: [String: Double] = [:],
        exploration: [String: ModelEvidence.Tally]? = nil,
        seed: UInt64 = 0,
        random: inout SeededGenerator,
        decisions: inout [Decision]
    ) throws -> [PlannedAgent] {
        let allowed = task.constraints.models.map(Set.init)
        let indices = catalog.fleet.models.indices.filter { allowed?.contains(catalog.fleet.models[$0].name) ?? true }
        guard !indices.isEmpty else {
            throw PlanningError(message: "no model of fleet '\(catalog.fleet.name)' is allowed by constraints.models")
        }
        // The outcome model's view of who will be right on this query, when the controller file has one.
        let rightProbabilities = parameters?.rightProbabilities(task.query) ?? [:]
        var agents: [PlannedAgent] = []
        for (position, role) in roles.enumerated() {
            // A cascade's levels escalate to another model: each level's candidates leave out the models of the
            // levels before it, while any remain.
            let unused = indices.filter { index in !agents.contains { $0.model == catalog.fleet.models[index].name } }
            let indices = topology.isCascade && !unused.isEmpty ? unused : indices
            let roleIndex = catalog.roles.firstIndex { $0.name == role.name } ?? 0
            let context = zip(queryVector, roleVectors[roleIndex]).map { $0 + $1 }
            let decides = role.isDecision
            let teamDiscount = decides ? -0.6 : 0.25 * Double(roles.count - 1)
            let qualities = indices.map { catalog.fleet.models[$0].quality(in: domain) }
            let prior = zip(indices, qualities).map { index, quality -> Double in
                let level = priceLevels[index]
                let name = catalog.fleet.models[index].name
                return 2 * context.dot(modelVectors[index])
                    + Self.priorValue(quality: quality, among: qualities, difficulty: difficulty, priceLevel: level)
                    - teamDiscount * level + learned(.model, name, features, priceLevel: level, rightProbabilities: rightProbabilities)
            }
            let names = indices.map { catalog.fleet.models[$0].name }
            let chosen = agents.map(\.model)
            var logits = Self.following(guide, prior: prior) { guide, position in
                guide.model(names[position], after: chosen, topology: topology.name, count: roles.count)
            }
            if let exploration {
                logits = indices.map { index in
                    explorationLogit(catalog.fleet.models[index], evidence: exploration, task: task, position: position, seed: seed)
                        + learned(.model, catalog.fleet.models[index].name, features, priceLevel: priceLevels[index])
                }
            }
            let choice = choose(
                stage: .model,
                position: position,
                names: names,
                logits: logits,
                pinned: indices.count == 1 && allowed != nil,
                random: &random
            )
            decisions.append(choice.decision)
            let fallbacks = choice.decision.candidates.enumerated()
                .filter { $0.offset != choice.index }
                .sorted {
                    $0.element.probability > $1.element.probability || ($0.element.probability == $1.element.probability && $0.offset < $1.offset)
                }
                .map(\.element.name)
            agents.append(
                PlannedAgent(
                    index: position,
                    role: role.name,
                    model: names[choice.index],
                    fallbackModels: fallbacks,
                    reliability: reliability[names[choice.index]]
                )
            )
        }
        return agents
    }

    /// The prior's view of a model for a query of this difficulty: where qualities in the domain are known, quality
    /// above the candidates' mean counts in proportion to the query's difficulty (easy ones most models get right),
    /// and price counts against; where none is, the prior is neutral about quality and prefers the cheaper model (price
    /// alone says nothing of quality: newer small models beat older dear ones). A candidate of unknown quality among known ones counts as their mean.
    static func priorValue(quality: Double?, among qualities: [Double?], difficulty: Double, priceLevel: Double) -> Double {
        let known = qualities.compactMap { $0 }
        guard !known.isEmpty else { return -1.5 * priceLevel }
        let mean = known.reduce(0, +) / Double(known.count)
        return 8 * ((quality ?? mean) - mean) * difficulty - priceLevel
    }

    /// How sharply exploration follows its draws: logits per unit of drawn utility (a draw 0.05 ahead is 1.5 nats).
    static let explorationSharpness = 30.0

    /// A model's logit when the prior explores: an accuracy drawn from its Beta posterior over the evidence, less λ
    /// times its mean cost seen (or, before any call, its price for the query and a short answer), drawn anew for each
    /// task, agent and model from the run's seed.
    func explorationLogit(_ model: ModelSpec, evidence: [String: ModelEvidence.Tally], task: OrchestrationTask, position: Int, seed: UInt64) -> Double
    {
        var random = SeededGenerator(seed: seed, labels: ["explore", task.id, String(position), model.name])
        let tally = evidence[model.name] ?? ModelEvidence.Tally()
        let cost = tally.meanCostUSD ?? model.cost(promptTokens: TokenUsage.estimate(task.query) + 80, completionTokens: 128)
        return Self.explorationSharpness * Utility.of(score: tally.drawAccuracy(using: &random), costUSD: cost, costWeight: settings.costWeight)
    }

    /// A stage's logits: the plan table's where it values any candidate (the others ruled out), else the prior's.
    static func following(_ guide: PlanTable.Guide?, prior: [Double], logit: (PlanTable.Guide, Int) -> Double) -> [Double] {
        guard let guide else { return prior }
        let guided = prior.indices.map { logit(guide, $0) }
        return guided.contains(where: \.isFinite) ? guided : prior
    }

    /// The learned addition to a candidate's logit; 0 for the prior.
    func learned(
        _ stage: Decision.Stage,
        _ candidate: String,
        _ features: [Double],
        priceLevel: Double? = nil,
        rightProbabilities: [String: Double] = [:]
    ) -> Double {
        parameters?.logit(stage: stage, candidate: candidate, features: features, priceLevel: priceLevel, rightProbabilities: rightProbabilities) ?? 0
    }

    /// A softmax over the candidates' logits at the configured temperature, and a choice from it.
    func choose(
        stage: Decision.Stage,
        position: Int?,
        names: [String],
        logits: [Double],
        pinned: Bool,
        random: inout SeededGenerator
    ) -> (index: Int, decision: Decision) {
        let probabilities = Self.withFloor(
            Self.softmax(logits, temperature: settings.temperature),
            floor: pinned ? 0 : settings.explorationFloor
        )
        var index = 0
        switch settings.selection {
        case .greedy:
            for candidate in probabilities.indices where probabilities[candidate] > probabilities[index] {
                index = candidate
            }
        case .sample:
            let draw = random.nextUnit()
            var cumulative = 0.0
            index = probabilities.count - 1
            for candidate in probabilities.indices {
                cumulative += probabilities[candidate]
                if draw < cumulative {
                    index = candidate
                    break
                }
            }
        }
        let decision = Decision(
            stage: stage,
            position: position,
            chosen: names[index],
            logProbability: log(probabilities[index]),
            candidates: zip(names, probabilities).map { Decision.Candidate(name: $0, probability: $1) },
            pinned: pinned
        )
        return (index, decision)
    }

    /// `probabilities` with `floor` of the mass spread evenly: (1 − floor) × p + floor ÷ count.
    static func withFloor(_ probabilities: [Double], floor: Double) -> [Double] {
        guard floor > 0, probabilities.count > 1 else { return probabilities }
        let even = floor / Double(probabilities.count)
        return probabilities.map { (1 - floor) * $0 + even }
    }

    /// What `withFloor` mixed in taken out again: the softmax a recorded distribution came from.
    static func withoutFloor(_ probabilities: [Double], floor: Double) -> [Double] {
        guard floor > 0, probabilities.count > 1 else { return probabilities }
        let even = floor / Double(probabilities.count)
        return probabilities.map { max(0, ($0 - even) / (1 - floor)) }
    }

    /// A numerically stable softmax.
    static func softmax(_ logits: [Double], temperature: Double) -> [Double] {
        guard let maximum = logits.max() else { return [] }
        let weights = logits.map { exp(($0 - maximum) / temperature) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}
