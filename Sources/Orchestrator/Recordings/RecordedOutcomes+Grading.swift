import Foundation

extension RecordedOutcomes {
    /// How the recorded outcomes were graded after `regraded()`: per dataset model name, how many answers changed
    /// from right to wrong and from wrong to right.
    public struct Regrading: Sendable, Equatable {
        public var nowRight: [String: Int] = [:]
        public var nowWrong: [String: Int] = [:]

        public init() {}

        /// Every answer whose grade changed.
        public var changed: Int { nowRight.values.reduce(0, +) + nowWrong.values.reduce(0, +) }
    }

    /// The outcomes graded the way a run is scored: where a response and the expected answer were recorded, an
    /// outcome is right exactly when `Scorer` scores the answer `AnswerExtractor` reads from the response 1 (the
    /// dataset's own grading can differ: RouteLLM's marks GPT-4's `#### $20.00` wrong against 20); elsewhere the
    /// dataset's judgement stays. Judges and outcome models trained on these labels learn what runs will be scored by.
    public func regraded() -> (outcomes: RecordedOutcomes, regrading: Regrading) {
        var result = self
        var regrading = Regrading()
        for index in result.items.indices {
            let item = result.items[index]
            guard let expected = item.expected else { continue }
            for (model, outcome) in item.outcomes {
                guard let response = outcome.response else { continue }
                let right = Scorer.score(answer: AnswerExtractor.extract(from: response, kind: expected.kind), expected: expected) == 1
                guard right != outcome.correct else { continue }
                result.items[index].outcomes[model]?.correct = right
                if right { regrading.nowRight[model, default: 0] += 1 } else { regrading.nowWrong[model, default: 0] += 1 }
            }
        }
        return (result, regrading)
    }
}
