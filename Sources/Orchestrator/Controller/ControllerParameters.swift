import Foundation

/// The learned part of the cascaded controller. Each stage adds to its hand-set prior logit a linear score of
/// the query's features per candidate (`weights[stage][candidate] · features`); the model stage also adds the
/// candidate's price level times a learned, query-dependent price sensitivity (`priceWeights · features`).
/// All zero, it is the prior.
public struct ControllerParameters: Sendable, Codable, Equatable {
    /// The file format.
    public static let formatVersion = 1

    public var formatVersion: Int
    /// The version recorded with every plan made with these parameters.
    public var version: String
    /// The hash of the catalogue (fleet, roles, topologies) they were trained on.
    public var catalogHash: String
    /// The embedder whose vectors the features hold, such as `hashing-256`.
    public var embedder: String
    public var featureCount: Int
    /// Stage (`Decision.Stage` raw value) → candidate name → weights.
    public var weights: [String: [String: [Double]]]
    public var priceWeights: [Double]
    /// How they were trained.
    public var training: TrainingSummary?
    /// The escalation judge a cascade asks before it escalates, fitted with `orchestrate train --judge`; nil
    /// when none was fitted (older files have none).
    public var escalationJudge: EscalationJudge?
    /// The supervised outcome model the model stage weighs (`orchestrate train --outcomes`); nil when none was fitted.
    public var outcomeModel: OutcomeModel?
    /// Every independent plan valued with full information on recorded outcomes (`orchestrate train` on a recorded
    /// fleet); where it has plans for a task's domain, the topology, agent count and model stages follow it.
    public var plans: PlanTable?

    /// Parameters that make the controller behave as the prior.
    public init(catalogHash: String, embedder: String, featureCount: Int) {
        formatVersion = Self.formatVersion
        version = CascadedController.priorVersion
        self.catalogHash = catalogHash
        self.embedder = embedder
        self.featureCount = featureCount
        weights = [:]
        priceWeights = [Double](repeating: 0, count: featureCount)
        training = nil
        escalationJudge = nil
        outcomeModel = nil
        plans = nil
    }

    /// The learned addition to a candidate's logit; for the model stage, the outcome model's probability that the
    /// candidate is right on the query (`rightProbabilities`, from `outcomeModel`) counts too.
    func logit(
        stage: Decision.Stage,
        candidate: String,
        features: [Double],
        priceLevel: Double? = nil,
        rightProbabilities: [String: Double] = [:]
    ) -> Double {
        var value = weights[stage.rawValue]?[candidate].map { $0.dot(features) } ?? 0
        if let priceLevel { value += priceLevel * priceWeights.dot(features) }
        if stage == .model, let right = rightProbabilities[candidate] { value += OutcomeModel.weight * right }
        return value
    }

    /// The outcome model's probability that each model is right on a query; empty without an outcome model.
    func rightProbabilities(_ query: String) -> [String: Double] {
        outcomeModel?.probabilities(query) ?? [:]
    }
}

/// What a controller file says about its training.
public struct TrainingSummary: Sendable, Codable, Equatable {
    /// `on-policy` or `off-policy`.
    public var mode: String
    public var taskSet: String?
    public var runs: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var costWeight: Double
    /// The entropy bonus's weight (on-policy); nil in files written before it existed.
    public var entropyBonus: Double?
    public var seed: UInt64
    /// Mean utility of the first and last epoch.
    public var firstEpochUtility: Double
    public var lastEpochUtility: Double
    public var trainedAt: Date
}
