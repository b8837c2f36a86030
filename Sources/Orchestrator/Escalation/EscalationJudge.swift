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
        /// The response, for the judge's text part (`ResponseText`); nil when only features are known.
        public var response: String?

        public init(model: String, features: [Double], wrong: Bool, taskID: String? = nil, response: String? = nil) {
            self.model = model
            self.features = features
            self.wrong = wrong
            self.taskID = taskID
            self.response = response
        }

        /// The example of one answer.
        public init(model: String, response: String, kind: AnswerKind, query: String, correct: Bool, taskID: String? = nil) {
            self.init(
                model: model,
                features: ResponseFeatures.values(response: response, kind: kind, query: query),
                wrong: !correct,
                taskID: taskID,
                response: response
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
        /// The gain models, when the next level's outcomes were known (nil in older files).
        public var gain: Gain?
        /// What the response's words add, when the examples carried their responses (nil in older files).
        public var text: ResponseText?

        public init(
            logistic: LogisticModel,
            examples: Int,
            wrongShare: Double,
            sortedProbabilities: [Double],
            strongRightWhenWrong: Double? = nil,
            strongRightWhenRight: Double? = nil,
            gain: Gain? = nil,
            text: ResponseText? = nil
        ) {
            self.logistic = logistic
            self.examples = examples
            self.wrongShare = wrongShare
            self.sortedProbabilities = sortedProbabilities
            self.strongRightWhenWrong = strongRightWhenWrong
            self.strongRightWhenRight = strongRightWhenRight
            self.gain = gain
            self.text = text
        }
    }

    /// Whether escalating an answer would help (it is wrong, the next level right) or hurt (it is right, the next
    /// level wrong), each a logistic model of the same features; their difference is the expected gain.
    public struct Gain: Sendable, Codable, Equatable {
        public var helps: LogisticModel
        public var hurts: LogisticModel
        /// Training gains, sorted: the quantiles a target escalation share is read from.
        public var sorted: [Double]
    }

    /// The feature names, as `ResponseFeatures` lists them when the judge was fitted.
    public var features: [String]
    /// A fit per answering model.
    public var fits: [String: Fit]

    /// Fits one logistic model per answering model. `strongCorrect` gives, for an example's index, whether the next
    /// level's model was right on the same question, when known; where it is known for a model's answers, two more
    /// models learn from the same features whether escalating would help (this level wrong, the next right) or hurt
    /// (this level right, the next wrong), and their difference is the escalation's expected gain.
    public static func fit(_ examples: [Example], penalty: Double = defaultPenalty, strongCorrect: [Int: Bool] = [:]) -> EscalationJudge {
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
            var fit = Fit(
                logistic: logistic,
                examples: chosen.count,
                wrongShare: chosen.isEmpty ? 0 : Double(wrong) / Double(chosen.count),
                sortedProbabilities: [],
                strongRightWhenWrong: strongRate(cheapWrong: true),
                strongRightWhenRight: strongRate(cheapWrong: false)
            )
            let paired = indices.filter { strongCorrect[$0] != nil }
            let position = Dictionary(uniqueKeysWithValues: indices.enumerated().map { ($0.element, $0.offset) })
            var gainLabels: (helps: [Bool], helpsOdds: [Double], hurts: [Bool], hurtsOdds: [Double], paired: [Int])?
            if paired.count >= minimumPairedExamples {
                let features = paired.map { examples[$0].features }
                let helpsLabels = paired.map { examples[$0].wrong && strongCorrect[$0] == true }
                let hurtsLabels = paired.map { !examples[$0].wrong && strongCorrect[$0] == false }
                let helps = LogisticModel.fit(features: features, labels: helpsLabels, penalty: penalty)
                let hurts = LogisticModel.fit(features: features, labels: hurtsLabels, penalty: penalty)
                fit.gain = Gain(helps: helps, hurts: hurts, sorted: [])
                gainLabels = (
                    helpsLabels, features.map(helps.logOdds), hurtsLabels, features.map(hurts.logOdds),
                    paired.compactMap { position[$0] }
                )
            }
            fit.text = ResponseText.fit(chosen, wrongOdds: chosen.map { logistic.logOdds($0.features) }, gain: gainLabels)
            fit.sortedProbabilities = chosen.map { fit.probabilityWrong($0.features, response: $0.response) }.sorted()
            if fit.gain != nil {
                let gains = paired.map { fit.expectedGain(examples[$0].features, response: examples[$0].response) ?? 0 }
                fit.gain?.sorted = gains.sorted()
            }
            fits[model] = fit
        }
        return EscalationJudge(features: ResponseFeatures.names, fits: fits)
    }

    /// The L2 penalty of the judge's fits: chosen on GSM8K's recorded answers (`bench escalation`), where weaker
    /// penalties overfit the 25 features.
    public static let defaultPenalty = 10.0
    /// The fewest answers with the next level's outcome known for which the gain models are fitted.
    public static let minimumPairedExamples = 30

    /// For each example, whether the next level's model (`nextModel[model]`) was right on the same task, where an
    /// example of that model on that task exists: full information from recorded outcomes or stored runs.
    public static func nextLevelOutcomes(of examples: [Example], nextModel: [String: String]) -> [Int: Bool] {
        var outcome: [String: [String: Bool]] = [:]
        for example in examples {
            guard let task = example.taskID else { continue }
            outcome[example.model, default: [:]][task] = outcome[example.model]?[task] ?? !example.wrong
        }
        var result: [Int: Bool] = [:]
        for (index, example) in examples.enumerated() {
            guard let task = example.taskID, let next = nextModel[example.model], let right = outcome[next]?[task] else { continue }
            result[index] = right
        }
        return result
    }

    /// Each model's next level: the next dearer model of the fleet (by blended price), for fitting gain models.
    public static func nextLevels(in fleet: Fleet) -> [String: String] {
        let byPrice = fleet.models.sorted { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
        return Dictionary(
            zip(byPrice.dropLast(), byPrice.dropFirst()).map { ($0.name, $1.name) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// The expected gain in score of escalating `model`'s answer with these features (and response, when known):
    /// from the gain models where fitted, else from the probability of a wrong answer and the next level's recorded
    /// rates.
    public func expectedGain(model: String, features: [Double], response: String? = nil) -> Double? {
        guard let fit = fits[model] else { return nil }
        if let gain = fit.expectedGain(features, response: response) { return gain }
        return fit.expectedGain(probabilityWrong: fit.probabilityWrong(features, response: response))
    }

    /// The probability that `model`'s response is wrong; nil for a model the judge was not fitted for.
    public func probabilityWrong(model: String, response: String, kind: AnswerKind, query: String) -> Double? {
        fits[model]?.probabilityWrong(ResponseFeatures.values(response: response, kind: kind, query: query), response: response)
    }

    /// The probability above which `share` of the model's training answers would have been escalated.
    public func threshold(forShare share: Double, model: String) -> Double? {
        fits[model].flatMap { Self.quantile($0.sortedProbabilities, above: share) }
    }

    /// The expected gain above which `share` of the model's training answers would have been escalated; nil without
    /// gain models.
    public func gainThreshold(forShare share: Double, model: String) -> Double? {
        fits[model]?.gain.flatMap { Self.quantile($0.sorted, above: share) }
    }

    /// The value of sorted training scores above which `share` of them lie.
    static func quantile(_ sorted: [Double], above share: Double) -> Double? {
        guard let first = sorted.first, let last = sorted.last else { return nil }
        guard share > 0 else { return max(1, last) }
        guard share < 1 else { return min(0, first) - 1e-9 }
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * (1 - share)).rounded(.down))))
        return sorted[index]
    }

    /// Whether escalating pays under utility = score − λ·cost: the expected gain in score (the next level right
    /// where this one is wrong, minus right answers it would spoil) against λ times the escalation's extra cost.
    public func escalates(probabilityWrong p: Double, model: String, lambda: Double, extraCost: Double) -> Bool {
        (fits[model]?.expectedGain(probabilityWrong: p) ?? p) > lambda * extraCost
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
