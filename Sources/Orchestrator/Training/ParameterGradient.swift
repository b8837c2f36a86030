import Foundation

/// A gradient (or any update) in the shape of `ControllerParameters`: stage → candidate → vector, plus the
/// price weights. Missing entries are zero.
public struct ParameterGradient: Sendable, Equatable {
    public var weights: [String: [String: [Double]]] = [:]
    public var priceWeights: [Double]

    public init(featureCount: Int) {
        priceWeights = [Double](repeating: 0, count: featureCount)
    }

    /// Adds `scale × vector` to one candidate's entry.
    mutating func add(_ scale: Double, _ vector: [Double], stage: String, candidate: String) {
        var entry = weights[stage, default: [:]][candidate] ?? [Double](repeating: 0, count: vector.count)
        for index in entry.indices { entry[index] += scale * vector[index] }
        weights[stage, default: [:]][candidate] = entry
    }

    /// Adds another gradient times `scale`.
    mutating func add(_ other: ParameterGradient, scale: Double) {
        for (stage, candidates) in other.weights {
            for (candidate, vector) in candidates {
                add(scale, vector, stage: stage, candidate: candidate)
            }
        }
        for index in priceWeights.indices { priceWeights[index] += scale * other.priceWeights[index] }
    }
}

/// The exact gradient of a plan's log-probability with respect to the controller's learned parameters.
///
/// Every stage is a softmax at temperature T over logits `prior + w_c · x (+ level_c × p · x)`, so for a
/// decision that chose `a`, ∂ log π(a) / ∂ w_c = (1[c = a] − π(c)) / T · x, and the price weights collect the same
/// coefficients times each model's price level. Pinned decisions (one candidate) contribute nothing.
public enum PolicyGradient {
    public static func logProbabilityGradient(
        of decisions: [Decision],
        features: [Double],
        priceLevels: [String: Double],
        temperature: Double
    ) -> ParameterGradient {
        accumulate(decisions, features: features, priceLevels: priceLevels) { decision, candidate in
            ((candidate.name == decision.chosen ? 1 : 0) - candidate.probability) / temperature
        }
    }

    /// The exact gradient of the decisions' summed entropy, Σ H(π), with respect to the learned parameters: for a
    /// softmax at temperature T, ∂H / ∂z_c = −π(c) (log π(c) + H) / T. Added to an update with a positive weight it
    /// keeps the policy exploring, so that a confident prior cannot freeze training on a worse choice.
    public static func entropyGradient(
        of decisions: [Decision],
        features: [Double],
        priceLevels: [String: Double],
        temperature: Double
    ) -> ParameterGradient {
        accumulate(decisions, features: features, priceLevels: priceLevels) { decision, candidate in
            let entropy = decision.candidates.reduce(0) { $0 - ($1.probability > 0 ? $1.probability * log($1.probability) : 0) }
            let p = candidate.probability
            return p > 0 ? -p * (log(p) + entropy) / temperature : 0
        }
    }

    /// Adds `coefficient(decision, candidate) × features` to each candidate of every decision that had a choice,
    /// and the same times the candidate's price level to the price weights at the model stage.
    private static func accumulate(
        _ decisions: [Decision],
        features: [Double],
        priceLevels: [String: Double],
        coefficient: (Decision, Decision.Candidate) -> Double
    ) -> ParameterGradient {
        var gradient = ParameterGradient(featureCount: features.count)
        for decision in decisions where decision.candidates.count > 1 {
            for candidate in decision.candidates {
                let value = coefficient(decision, candidate)
                gradient.add(value, features, stage: decision.stage.rawValue, candidate: candidate.name)
                if decision.stage == .model, let level = priceLevels[candidate.name] {
                    for index in gradient.priceWeights.indices { gradient.priceWeights[index] += value * level * features[index] }
                }
            }
        }
        return gradient
    }
}
