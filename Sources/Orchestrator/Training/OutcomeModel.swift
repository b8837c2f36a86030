import Foundation

/// A supervised model of who will be right, read from the query alone: per model, a logistic regression over
/// `TextFeatures` (TF-IDF of the query's words and pairs, and the prior's profile) of whether that model answers
/// correctly, fitted on stored or recorded outcomes. The controller's model stage adds `weight` × P(right) to each
/// candidate's logit, so a question goes to the dearer model where it is expected to gain most.
public struct OutcomeModel: Sendable, Codable, Equatable {
    /// One labelled outcome.
    public struct Example: Sendable {
        public var model: String
        public var query: String
        public var correct: Bool

        public init(model: String, query: String, correct: Bool) {
            self.model = model
            self.query = query
            self.correct = correct
        }
    }

    public var features: TextFeatures
    /// Model name → its logistic regression.
    public var models: [String: SparseLogisticModel]
    /// Examples each model was fitted on.
    public var examples: [String: Int]

    /// How much a model's probability of being right adds to its logit in the model stage: large enough that a
    /// difference of 0.1 in the probability (a typical spread of the expected gain) outweighs the prior's per-query
    /// guesses from descriptions (about a logit), so questions are ordered by expected gain.
    public static let weight = 25.0

    /// Fits one regression per model over features of all the examples' queries.
    public static func fit(_ examples: [Example]) -> OutcomeModel {
        let features = TextFeatures(fitting: Array(Set(examples.map(\.query))).sorted())
        var vectors: [String: [Int: Double]] = [:]
        for query in Set(examples.map(\.query)) { vectors[query] = features.vector(query) }
        var models: [String: SparseLogisticModel] = [:]
        var counts: [String: Int] = [:]
        for (model, chosen) in Dictionary(grouping: examples, by: \.model) {
            models[model] = SparseLogisticModel.fit(
                chosen.map { vectors[$0.query] ?? [:] },
                labels: chosen.map(\.correct),
                dimension: features.dimension
            )
            counts[model] = chosen.count
        }
        return OutcomeModel(features: features, models: models, examples: counts)
    }

    /// Each fitted model's probability of answering `query` correctly.
    public func probabilities(_ query: String) -> [String: Double] {
        let vector = features.vector(query)
        return models.mapValues { $0.probability(vector) }
    }
}
