/// One of the controller's decisions, with everything a policy-gradient update needs.
public struct Decision: Sendable, Codable, Equatable {
    /// The stages of the cascade, in order.
    public enum Stage: String, Sendable, Codable, CaseIterable {
        case topology
        case agentCount
        case role
        case model
    }

    /// Which stage.
    public var stage: Stage
    /// The agent the decision is for (`role` and `model`), else nil.
    public var position: Int?
    /// The chosen candidate's name.
    public var chosen: String
    /// The natural log of the chosen candidate's probability.
    public var logProbability: Double
    /// Every candidate with its probability, in catalogue order; probabilities sum to 1.
    public var candidates: [Candidate]
    /// True when a constraint pinned the choice (one candidate, probability 1).
    public var pinned: Bool

    /// A candidate and its probability.
    public struct Candidate: Sendable, Codable, Equatable {
        public var name: String
        public var probability: Double

        public init(name: String, probability: Double) {
            self.name = name
            self.probability = probability
        }
    }

    /// The probability of the chosen candidate.
    public var probability: Double {
        candidates.first { $0.name == chosen }?.probability ?? 0
    }
}
