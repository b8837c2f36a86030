import Foundation

/// A calibrated probability that an answer is wrong, per answering model, from `ResponseFeatures` of the answer and
/// its question: the judge a cascade asks before it escalates to the next level.
///
/// Fitted by logistic regression on labelled answers: every scored message of a stored run, or recorded outcomes
/// with responses. Its threshold follows a target escalation share (`threshold(forShare:)`) or the utility's λ
/// (`escalates(probabilityWrong:lambda:extraCost:)`).
public struct EscalationJudge: Sendable, Codable, Equatable {
    /// One labelled answer.
    public struct Example: Sendable, Equatable {
        public var model: String
        public var features: [Double]
        public var wrong: Bool
        /// The task the answer was to, so that held-out tasks can be left out.
        public var taskID: String?

        public init(model: String, features: [Double], wrong: Bool, taskID: String? = nil) {
            self.model = model
            self.features = features
            self.wrong = wrong
            self.taskID = taskID
        }

        /// The example of one answer.
        public init(model: String, response: String, kind: AnswerKind, query: String, correct: Bool, taskID: String? = nil) {
            self.init(
                model: model,
                features: ResponseFeatures.values(response: response, kind: kind, query: query),
                wrong: !correct,
                taskID: taskID
            )
        }
    }

    /// What a model's judge was fitted on.
    public struct Fit: Sendable, Codable, Equatable {
        public var logistic: LogisticModel
        public var examples: Int
        /// The share of wrong answers among them.
        public var wrongShare: Double
        /// Training probabilities, sorted: the quantiles a target escalation share is read from.
        public var sortedProbabilities: [Double]
        /// Of the training answers, how often the stronger level was right where this model was wrong, and where it
        /// was right (nil when not known): what an escalation is expected to gain.
        public var strongRightWhenWrong: Double?
        public var strongRightWhenRight: Double?
    }

    /// The feature names, as `ResponseFeatures` lists them when the judge was fitted.
    public var features: [String]
    /// A fit per answering model.
    public var fits: [String: Fit]

    /// Fits one logistic model per answering model. `strongCorrect` gives, for an example's index, whether the next
    /// level's model was right on the same question, when known.
    public static func fit(_ examples: [Example], penalty: Double = 1, strongCorrect: [Int: Bool] = [:]) -> EscalationJudge {
        var fits: [String: Fit] = [:]
        let byModel = Dictionary(grouping: examples.indices, by: { examples[$0].model })
        for (model, indices) in byModel {
            let chosen = indices.map { examples[$0] }
            let logistic = LogisticModel.fit(features: chosen.map(\.features), labels: chosen.map(\.wrong), penalty: penalty)
            let wrong = chosen.filter(\.wrong).count
            func strongRate(cheapWrong: Bool) -> Double? {
                let known = indices.filter { examples[$0].wrong == cheapWrong }.compactMap { strongCorrect[$0] }
                return known.isEmpty ? nil : Double(known.filter { $0 }.count) / Double(known.count)
            }
            fits[model] = Fit(
                logistic: logistic,
                examples: chosen.count,
                wrongShare: chosen.isEmpty ? 0 : Double(wrong) / Double(chosen.count),
                sortedProbabilities: chosen.map { logistic.probability($0.features) }.sorted(),
                strongRightWhenWrong: strongRate(cheapWrong: true),
                strongRightWhenRight: strongRate(cheapWrong: false)
            )
        }
        return EscalationJudge(features: ResponseFeatures.names, fits: fits)
    }

    /// The probability that `model`'s response is wrong; nil for a model the judge was not fitted for.
    public func probabilityWrong(model: String, response: String, kind: AnswerKind, query: String) -> Double? {
        fits[model]?.logistic.probability(ResponseFeatures.values(response: response, kind: kind, query: query))
    }

    /// The threshold above which `share` of the model's training answers would have been escalated.
    public func threshold(forShare share: Double, model: String) -> Double? {
        guard let sorted = fits[model]?.sortedProbabilities, !sorted.isEmpty else { return nil }
        guard share > 0 else { return 1 }
        guard share < 1 else { return 0 }
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * (1 - share)).rounded(.down))))
        return sorted[index]
    }

    /// Whether escalating pays under utility = score − λ·cost: the expected gain in score (the next level right
    /// where this one is wrong, minus right answers it would spoil) against λ times the escalation's extra cost.
    public func escalates(probabilityWrong p: Double, model: String, lambda: Double, extraCost: Double) -> Bool {
        let fit = fits[model]
        let gainIfWrong = fit?.strongRightWhenWrong ?? 1
        let lossIfRight = 1 - (fit?.strongRightWhenRight ?? 1)
        return p * gainIfWrong - (1 - p) * lossIfRight > lambda * extraCost
    }
}

/// The area under the ROC curve of scores for positives against negatives: the chance that a random positive
/// scores above a random negative (ties count half). 0.5 is chance.
public func areaUnderROC(scores: [Double], positives: [Bool]) -> Double {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var ranks = [Double](repeating: 0, count: scores.count)
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
        let rank = Double(start + end) / 2 + 1
        for position in start...end { ranks[order[position]] = rank }
        start = end + 1
    }
    let positiveCount = Double(positives.filter { $0 }.count)
    let negativeCount = Double(positives.count) - positiveCount
    guard positiveCount > 0, negativeCount > 0 else { return 0.5 }
    let rankSum = zip(ranks, positives).filter(\.1).reduce(0) { $0 + $1.0 }
    return (rankSum - positiveCount * (positiveCount + 1) / 2) / (positiveCount * negativeCount)
}
