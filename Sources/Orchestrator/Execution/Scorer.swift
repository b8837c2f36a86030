/// Scores an answer against the expected one: 1 when they match, 0 when not.
public enum Scorer {
    /// The score, or nil when there is no expected answer.
    public static func score(answer: String?, expected: ExpectedAnswer?) -> Double? {
        guard let expected else { return nil }
        guard let answer, let want = AnswerExtractor.normalise(expected.value, kind: expected.kind) else { return 0 }
        switch expected.kind {
        case .number:
            guard let got = AnswerExtractor.parseNumber(answer), let target = AnswerExtractor.parseNumber(want) else { return 0 }
            return abs(got - target) <= max(1e-6, abs(target) * 1e-6) ? 1 : 0
        case .choice, .text, .code:
            return AnswerExtractor.normalise(answer, kind: expected.kind) == want ? 1 : 0
        }
    }
}
