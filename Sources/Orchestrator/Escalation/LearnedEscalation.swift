import Foundation

/// A learned verify-then-escalate cascade judged on recorded outcomes: the cheap model answers, the
/// `EscalationJudge` (fitted on the training questions' recorded answers) scores how likely its answer is wrong (the
/// ROC area reported), and the answers whose escalation is expected to gain most go on to the strong model.
///
/// Judged on held-out questions for each split seed, beside always-cheap, always-strong, the oracle and the fixed
/// rule of the checks (`CheckedEscalation`'s failed-or-unsupported trigger), at spending budgets given as shares of
/// always-strong's cost: escalations go by expected gain per dollar while the spend stays within the budget.
public struct LearnedEscalation: Sendable {
    /// One point of the cost–accuracy curve.
    public struct Point: Sendable, Codable, Equatable {
        /// The budget (share of always-strong's cost), or the escalation share for the curve.
        public var target: Double
        public var accuracy: Double
        /// The spend as a share of always-strong's.
        public var costShare: Double
        /// The share of questions escalated.
        public var escalated: Double
    }

    /// One split's figures on its held-out questions.
    public struct Split: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var trainQuestions: Int
        public var heldOutQuestions: Int
        /// How well the judge's probability separates the cheap model's wrong answers from its right ones.
        public var auc: Double
        /// Always cheap, always strong, oracle, fixed rule.
        public var baselines: [CheckedEscalation.Strategy]
        public var strongCostUSD: Double
        /// The cascade at each budget.
        public var budgets: [Point]
        /// The cascade escalating 0%, 10%, … 100% of questions, largest expected gain first.
        public var curve: [Point]
    }

    public struct Report: Sendable, Codable, Equatable {
        public var dataset: String
        public var cheapModel: String
        public var strongModel: String
        public var holdout: Double
        /// Whether an escalation's cost counts the cheap answer shown to the strong model (its recorded accuracy is
        /// that of a fresh call either way).
        public var strongSeesCheapAnswer: Bool
        public var splits: [Split]
    }

    public let cheap: ModelSpec
    public let strong: ModelSpec

    public init(cheap: ModelSpec, strong: ModelSpec) {
        self.cheap = cheap
        self.strong = strong
    }

    /// One question both models answered with a recorded response.
    struct Question {
        var item: RecordedOutcomes.Item
        var cheapCorrect: Bool
        var strongCorrect: Bool
        var features: [Double]
        /// The cheap model's response.
        var response: String
        var fixedRuleFlags: Bool
        var cheapCost: Double
        var strongCost: Double
        /// What escalating costs: the strong model's call, with or without the cheap answer in its prompt.
        var escalatedCost: Double
    }

    /// Evaluates over every question of `dataset` both models answered with a response.
    public func evaluate(
        _ outcomes: RecordedOutcomes,
        dataset: String,
        holdout: Double = 0.3,
        splitSeeds: [UInt64] = [0, 1, 2],
        budgets: [Double] = [0.35, 0.6],
        strongSeesCheapAnswer: Bool = false,
        penalty: Double = EscalationJudge.defaultPenalty
    ) -> Report {
        let questions = outcomes.items.filter { $0.dataset == dataset }.compactMap {
            question($0, strongSeesCheapAnswer: strongSeesCheapAnswer)
        }
        let splits = splitSeeds.map { seed in
            split(questions, seed: seed, holdout: holdout, budgets: budgets, penalty: penalty)
        }
        return Report(
            dataset: dataset,
            cheapModel: cheap.name,
            strongModel: strong.name,
            holdout: holdout,
            strongSeesCheapAnswer: strongSeesCheapAnswer,
            splits: splits
        )
    }

    /// The question of an item both models answered with a response. The escalated call is priced with the cheap
    /// answer in the strong model's prompt when `strongSeesCheapAnswer`, else as the fresh call it was recorded as.
    func question(_ item: RecordedOutcomes.Item, strongSeesCheapAnswer: Bool) -> Question? {
        guard let first = item.outcomes[cheap.modelID], let cheapText = first.response,
            let second = item.outcomes[strong.modelID], let strongText = second.response
        else { return nil }
        let kind = item.kind
        let examination = MessageVerifier.examine(response: cheapText, kind: kind, query: item.query)
        let queryTokens = TokenUsage.estimate(item.query)
        let strongCost = strong.cost(promptTokens: queryTokens, completionTokens: TokenUsage.estimate(strongText))
        let shownCost = strong.cost(
            promptTokens: queryTokens + TokenUsage.estimate(cheapText) + 60,
            completionTokens: TokenUsage.estimate(strongText)
        )
        return Question(
            item: item,
            cheapCorrect: first.correct,
            strongCorrect: second.correct,
            features: ResponseFeatures.values(of: examination, response: cheapText, query: item.query),
            response: cheapText,
            fixedRuleFlags: CheckedEscalation.flags(examination.results, trigger: .failedOrUnsupported),
            cheapCost: cheap.cost(promptTokens: queryTokens, completionTokens: TokenUsage.estimate(cheapText)),
            strongCost: strongCost,
            escalatedCost: strongSeesCheapAnswer ? shownCost : strongCost
        )
    }

    func split(_ questions: [Question], seed: UInt64, holdout: Double, budgets: [Double], penalty: Double) -> Split {
        let heldOut = questions.map { TaskSplit.isHeldOut(id: $0.item.id, fraction: holdout, seed: seed) }
        let train = zip(questions, heldOut).filter { !$0.1 }.map(\.0)
        let test = zip(questions, heldOut).filter(\.1).map(\.0)
        let examples = train.map {
            EscalationJudge.Example(model: cheap.name, features: $0.features, wrong: !$0.cheapCorrect, response: $0.response)
        }
        let strongCorrect = Dictionary(uniqueKeysWithValues: train.enumerated().map { ($0.offset, $0.element.strongCorrect) })
        let judge = EscalationJudge.fit(examples, penalty: penalty, strongCorrect: strongCorrect)
        let suspicion = test.map { judge.fits[cheap.name]?.probabilityWrong($0.features, response: $0.response) ?? 0 }
        // What an escalation is expected to gain: the strong model right where the cheap one is wrong, less the
        // right answers it would spoil, each learned by the judge from the same features on the training questions.
        let gain = test.map { judge.expectedGain(model: cheap.name, features: $0.features, response: $0.response) ?? 0 }
        // Largest expected gain first; ties by id, so the order is deterministic.
        let order = test.indices.sorted { gain[$0] > gain[$1] || (gain[$0] == gain[$1] && test[$0].item.id < test[$1].item.id) }

        var baselines = [
            CheckedEscalation.Strategy(name: "always \(cheap.name)", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
            CheckedEscalation.Strategy(name: "always \(strong.name)", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
            CheckedEscalation.Strategy(name: "oracle", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
            CheckedEscalation.Strategy(name: "fixed rule (checks)", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
        ]
        for question in test {
            baselines[0].add(correct: question.cheapCorrect, cost: question.cheapCost, strong: false)
            baselines[1].add(correct: question.strongCorrect, cost: question.strongCost, strong: true)
            let oracle = !question.cheapCorrect && question.strongCorrect
            baselines[2].add(
                correct: question.cheapCorrect || question.strongCorrect,
                cost: question.cheapCost + (oracle ? question.strongCost : 0),
                strong: oracle
            )
            let flagged = question.fixedRuleFlags
            baselines[3].add(
                correct: flagged ? question.strongCorrect : question.cheapCorrect,
                cost: question.cheapCost + (flagged ? question.escalatedCost : 0),
                strong: flagged
            )
        }
        let strongCost = baselines[1].costUSD

        /// The cascade escalating these questions.
        func cascade(escalating chosen: [Int], target: Double) -> Point {
            var escalate = [Bool](repeating: false, count: test.count)
            for index in chosen { escalate[index] = true }
            var correct = 0
            var cost = 0.0
            for (index, question) in test.enumerated() {
                cost += question.cheapCost + (escalate[index] ? question.escalatedCost : 0)
                if escalate[index] ? question.strongCorrect : question.cheapCorrect { correct += 1 }
            }
            let n = Double(max(test.count, 1))
            return Point(
                target: target,
                accuracy: Double(correct) / n,
                costShare: strongCost > 0 ? cost / strongCost : 0,
                escalated: Double(chosen.count) / n
            )
        }
        // Within a budget, escalations go by expected gain per dollar, so a long, dear escalation must promise more
        // to be worth its share; none that is expected to lose is made.
        let byValue = test.indices.sorted {
            let left = gain[$0] / max(test[$0].escalatedCost, 1e-12)
            let right = gain[$1] / max(test[$1].escalatedCost, 1e-12)
            return left > right || (left == right && test[$0].item.id < test[$1].item.id)
        }
        let budgetPoints = budgets.map { budget -> Point in
            var spend = test.reduce(0) { $0 + $1.cheapCost }
            var chosen: [Int] = []
            for index in byValue where gain[index] > 0 && spend + test[index].escalatedCost <= budget * strongCost {
                spend += test[index].escalatedCost
                chosen.append(index)
            }
            return cascade(escalating: chosen, target: budget)
        }
        let curve = stride(from: 0, through: 10, by: 1).map { tenth in
            cascade(escalating: Array(order.prefix(Int((Double(test.count) * Double(tenth) / 10).rounded()))), target: Double(tenth) / 10)
        }
        return Split(
            seed: seed,
            trainQuestions: train.count,
            heldOutQuestions: test.count,
            auc: areaUnderROC(scores: suspicion, positives: test.map { !$0.cheapCorrect }),
            baselines: baselines,
            strongCostUSD: strongCost,
            budgets: budgetPoints,
            curve: curve
        )
    }
}
