import Foundation

/// Routing before any model answers, judged out-of-fold on recorded outcomes: the supervised `OutcomeModel` (a
/// logistic regression over `TextFeatures` per model, whether it is right) ranks
/// each question by the expected gain of the dearer model, P(dearer right) − P(cheaper right); the prior ranks by its
/// difficulty score. Every question is scored by models that never saw it (k folds, repeated with several seeds, its
/// scores averaged), APGR is computed over all questions, and a paired bootstrap over questions gives the interval of
/// the difference.
public struct PreRoutingStudy: Sendable {
    /// One question: its id, query and both models' recorded outcomes.
    public struct Question: Sendable {
        public var id: String
        public var query: String
        public var cheapCorrect: Bool
        public var dearCorrect: Bool

        public init(id: String, query: String, cheapCorrect: Bool, dearCorrect: Bool) {
            self.id = id
            self.query = query
            self.cheapCorrect = cheapCorrect
            self.dearCorrect = dearCorrect
        }
    }

    public struct Report: Sendable, Codable, Equatable {
        public var questions: Int
        public var folds: Int
        public var seeds: [UInt64]
        /// APGR of the outcome model's out-of-fold scores, per repeat seed and with the scores averaged over them.
        public var modelAPGRBySeed: [Double]
        public var modelAPGR: Double
        /// APGR of the prior's difficulty ordering.
        public var priorAPGR: Double
        /// The 2.5% and 97.5% quantiles of the bootstrapped difference (model − prior).
        public var differenceInterval: [Double]
        public var bootstrapSamples: Int
    }

    public let questions: [Question]

    public init(questions: [Question]) {
        self.questions = questions
    }

    /// The questions of recorded outcomes both models answered.
    public init(outcomes: RecordedOutcomes, cheapModelID: String, dearModelID: String) {
        questions = outcomes.items.compactMap { item in
            guard let cheap = item.outcomes[cheapModelID], let dear = item.outcomes[dearModelID] else { return nil }
            return Question(id: item.id, query: item.query, cheapCorrect: cheap.correct, dearCorrect: dear.correct)
        }
    }

    public func evaluate(folds: Int = 5, seeds: [UInt64] = [0, 1, 2], bootstrapSamples: Int = 1000) -> Report {
        var summed = [Double](repeating: 0, count: questions.count)
        var bySeed: [Double] = []
        for seed in seeds {
            let scores = outOfFoldGains(folds: folds, seed: seed)
            for index in scores.indices { summed[index] += scores[index] }
            bySeed.append(apgr(scores, over: Array(questions.indices)) ?? 0)
        }
        let averaged = summed.map { $0 / Double(max(seeds.count, 1)) }
        let difficulty = questions.map { QueryProfile(query: $0.query).difficulty }
        let interval = Bootstrap.interval(count: questions.count, samples: bootstrapSamples, seed: seeds.first ?? 0, label: "pre-routing bootstrap") {
            sample in
            guard let model = apgr(averaged, over: sample), let prior = apgr(difficulty, over: sample) else { return nil }
            return model - prior
        }
        return Report(
            questions: questions.count,
            folds: folds,
            seeds: seeds,
            modelAPGRBySeed: bySeed,
            modelAPGR: apgr(averaged, over: Array(questions.indices)) ?? 0,
            priorAPGR: apgr(difficulty, over: Array(questions.indices)) ?? 0,
            differenceInterval: [interval.low, interval.high],
            bootstrapSamples: interval.samples
        )
    }

    /// Each question's expected gain from models fitted on the other folds.
    func outOfFoldGains(folds: Int, seed: UInt64) -> [Double] {
        let fold = questions.map { TaskSplit.fold(id: $0.id, folds: folds, seed: seed) }
        var gains = [Double](repeating: 0, count: questions.count)
        for held in 0..<folds {
            let train = questions.indices.filter { fold[$0] != held }
            let test = questions.indices.filter { fold[$0] == held }
            guard !train.isEmpty, !test.isEmpty else { continue }
            let model = OutcomeModel.fit(
                train.flatMap { index in
                    [
                        OutcomeModel.Example(model: "dear", query: questions[index].query, correct: questions[index].dearCorrect),
                        OutcomeModel.Example(model: "cheap", query: questions[index].query, correct: questions[index].cheapCorrect),
                    ]
                }
            )
            for index in test {
                let probabilities = model.probabilities(questions[index].query)
                gains[index] = (probabilities["dear"] ?? 0) - (probabilities["cheap"] ?? 0)
            }
        }
        return gains
    }

    /// APGR of scores over a sample of question indices (repeats allowed).
    func apgr(_ scores: [Double], over sample: [Int]) -> Double? {
        RoutingCurve(
            scores: sample.map { scores[$0] },
            weakCorrect: sample.map { questions[$0].cheapCorrect },
            strongCorrect: sample.map { questions[$0].dearCorrect }
        )?.apgr
    }
}
