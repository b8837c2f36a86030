import Foundation

/// The cascaded controller: topology, then agent count, then a role for each agent, then a model for
/// each role, each a softmax over catalogue candidates conditioned on the query and the choices before.
///
/// Before any training it follows a hand-set prior: short, easy queries lean to a single cheap agent,
/// long multi-step ones to richer structures and stronger models. Every decision records its full
/// candidate distribution and the log-probability of the choice.
public struct CascadedController: Sendable {
    /// The version recorded with plans made by the untrained prior.
    public static let priorVersion = "prior-1"

    /// The catalogue the controller chooses from.
    public let catalog: Catalog
    /// Selection mode and temperature.
    public private(set) var settings: ControllerSettings
    let embedder: any Embedder
    let topologyVectors: [[Double]]
    let roleVectors: [[Double]]
    let modelVectors: [[Double]]
    /// Each model's log-price rescaled to [-1, 1] across the fleet (0 when all prices are equal).
    let priceLevels: [Double]
    /// The learned part; nil for the prior.
    public private(set) var parameters: ControllerParameters?

    /// Embeds the catalogue's candidates once. With `parameters`, each stage adds their learned scores to the prior.
    public init(
        catalog: Catalog,
        embedder: any Embedder = HashingEmbedder(),
        settings: ControllerSettings = ControllerSettings(),
        parameters: ControllerParameters? = nil
    ) async throws {
        self.catalog = catalog
        self.settings = settings
        self.embedder = embedder
        self.parameters = parameters
        topologyVectors = try await embedder.embed(catalog.topologies.map { "\($0.name) \($0.description)" })
        roleVectors = try await embedder.embed(catalog.roles.map { "\($0.name) \($0.description)" })
        modelVectors = try await embedder.embed(catalog.fleet.models.map { "\($0.name) \($0.description)" })
        let logPrices = catalog.fleet.models.map { log10(max($0.blendedPricePerMillion, 1e-4)) }
        let low = logPrices.min() ?? 0
        let high = logPrices.max() ?? 0
        priceLevels = logPrices.map { high > low ? 2 * ($0 - low) / (high - low) - 1 : 0 }
    }

    /// The version recorded with every plan.
    public var version: String { parameters?.version ?? Self.priorVersion }

    /// The same controller with other learned parameters (nil for the prior) or settings.
    public func with(parameters: ControllerParameters?, settings: ControllerSettings? = nil) -> CascadedController {
        var copy = self
        copy.parameters = parameters
        if let settings { copy.settings = settings }
        return copy
    }

    /// Parameters that leave this controller as the prior: the starting point of training.
    public var zeroParameters: ControllerParameters {
        ControllerParameters(
            catalogHash: catalog.hash,
            embedder: embedder.identifier,
            featureCount: PolicyFeatures.count(embeddingDimension: embedder.dimension)
        )
    }

    /// Each model's price level by name, the price feature of the model stage.
    public var priceLevelsByModel: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(catalog.fleet.models.map(\.name), priceLevels))
    }

    /// The features the learned stages score a task by.
    public func features(for task: OrchestrationTask) async throws -> [Double] {
        let profile = QueryProfile(query: task.query)
        guard let queryVector = try await embedder.embed([task.query]).first else {
            throw PlanningError(message: "the embedder returned no vector for the query")
        }
        return PolicyFeatures.vector(queryVector: queryVector, difficulty: profile.difficulty, domain: task.domain ?? profile.inferredDomain)
    }

    /// Makes a plan. The same task, seed, settings and evidence always give the same plan. `evidence` is what this
    /// process has seen of each model in the task's domain (`ModelEvidence`): where no model's quality there is known
    /// and no learned plans apply, the model stage explores by Thompson sampling over it (none: every model alike).
    public func plan(for task: OrchestrationTask, seed: UInt64, evidence: [String: ModelEvidence.Tally] = [:]) async throws -> Plan {
        let profile = QueryProfile(query: task.query)
        let domain = task.domain ?? profile.inferredDomain
        let difficulty = profile.difficulty
        guard let queryVector = try await embedder.embed([task.query]).first else {
            throw PlanningError(message: "the embedder returned no vector for the query")
        }
        var random = SeededGenerator(seed: seed, labels: ["plan", task.id])
        var decisions: [Decision] = []
        let features = PolicyFeatures.vector(queryVector: queryVector, difficulty: difficulty, domain: domain)
        // Plans valued with full information on recorded outcomes, where the controller has them for this domain.
        let guide = PlanTable.Guide(table: parameters?.plans, domain: domain, task: task)
        let reliability = parameters?.plans?.reliabilities(for: domain) ?? [:]
        let qualityKnown = catalog.fleet.models.contains { $0.quality(in: domain) != nil }
        // Nothing tells who is good here: no quality, no learned plans, no outcome model.
        let exploring = guide == nil && !qualityKnown && parameters?.outcomeModel == nil

        let topology = try chooseTopology(
            task: task,
            queryVector: queryVector,
            difficulty: difficulty,
            features: features,
            guide: guide,
            random: &random,
            decisions: &decisions
        )
        let agentCount = try chooseAgentCount(
            task: task,
            topology: topology,
            difficulty: difficulty,
            features: features,
            guide: guide,
            random: &random,
            decisions: &decisions
        )
        let roles = try chooseRoles(
            task: task,
            topology: topology,
            agentCount: agentCount,
            domain: domain,
            queryVector: queryVector,
            features: features,
            random: &random,
            decisions: &decisions
        )
        let agents = try chooseModels(
            task: task,
            roles: roles,
            topology: topology,
            domain: domain,
            difficulty: difficulty,
            queryVector: queryVector,
            features: features,
            guide: guide,
            reliability: reliability,
            exploration: exploring ? evidence : nil,
            seed: seed,
            random: &random,
            decisions: &decisions
        )
        let rounds = topology.rounds(within: task.budget)
        return Plan(
            topology: topology.name,
            agents: agents,
            rounds: rounds,
            aggregation: topology.aggregation,
            domain: domain,
            difficulty: difficulty,
            decisions: decisions,
            controllerVersion: version,
            selection: settings.selection,
            qualityKnown: qualityKnown,
            exploring: exploring ? evidence.values.reduce(0) { $0 + $1.answered } : nil
        )
    }
}

/// How the controller samples.
public struct ControllerSettings: Sendable, Equatable {
    /// Greedy (serving) or sampled (exploration, training).
    public var selection: SelectionMode
    /// Softmax temperature; higher spreads probability more evenly.
    public var temperature: Double
    /// λ of utility = score − λ × cost, which exploration trades a model's drawn accuracy against its cost by.
    public var costWeight: Double
    /// The share of every unpinned decision's probability spread evenly over its candidates (from 0 to below 1): with
    /// sampling, each candidate keeps at least floor ÷ candidates, so runs logged for off-policy learning go on trying
    /// every choice (`serve --learn`). The recorded probabilities include it.
    public var explorationFloor: Double

    public init(
        selection: SelectionMode = .greedy,
        temperature: Double = 1.0,
        costWeight: Double = EscalationPolicy.defaultCostWeight,
        explorationFloor: Double = 0
    ) {
        precondition(temperature > 0, "the temperature must be positive")
        precondition((0..<1).contains(explorationFloor), "the exploration floor must be from 0 to below 1")
        self.selection = selection
        self.temperature = temperature
        self.costWeight = costWeight
        self.explorationFloor = explorationFloor
    }
}

/// A task the controller cannot plan for within its constraints and budget.
public struct PlanningError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
