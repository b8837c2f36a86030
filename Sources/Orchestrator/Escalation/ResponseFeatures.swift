import Foundation

/// Cheap deterministic signals of whether an answer is wrong, read from the answer itself and its question: what
/// the checks found, whether the final answer comes out of the working, whether the answer line is there, length,
/// hedging, numbers of the question left unused, and the shape of the answer. The escalation judge weighs them.
public enum ResponseFeatures {
    /// The features' names, in the order of `values`.
    public static let names = [
        "format failed", "arithmetic failed", "wrong statements (log)", "statements (log)", "support unsupported",
        "answer is the last computed value", "answer appears in the working", "answer line present",
        "response length (log)", "lines (log)", "hedging words (log)", "share of question numbers unused",
        "answer not a whole number", "answer negative", "answer magnitude (log10)", "answer is a number of the question",
        "question length (log)", "question numbers (log)", "distinct numbers in the response (log)",
        "times the answer appears (log)", "answer lines disagree", "share of response numbers from nowhere",
        "question mentions percent", "question mentions a fraction or ratio", "question sentences (log)",
    ]

    /// Words and phrases of doubt or second thoughts.
    static let hedges = [
        "approximately", "assume", "assuming", "not sure", "wait", "however", "mistake", "actually", "let me re",
        "seems", "probably", "might", "estimate", "round", "unclear", "cannot be determined", "incorrect", "oops",
    ]

    /// The features of one response to one question, for answers of `kind`.
    public static func values(response: String, kind: AnswerKind, query: String) -> [Double] {
        values(of: MessageVerifier.examine(response: response, kind: kind, query: query), response: response, query: query)
    }

    /// The features of a response already examined by the checks (its answer, arithmetic and check results are
    /// read from the examination, not again from the text).
    public static func values(of examination: MessageVerifier.Examination, response: String, query: String) -> [Double] {
        let outcome = examination.outcome(of:)
        let statements = examination.scan.statements
        let value = examination.answer.flatMap(AnswerExtractor.parseNumber)
        let close = { (other: Double) in value.map { AnswerExtractor.isSameNumber(other, $0) } ?? false }
        let lastComputed = statements.last.map { close($0.claimed) || close($0.computed) } ?? false
        let window = String(UntrustedText.window(response).text)
        let marked = AnswerExtractor.markedAnswer(in: window)
        let working = marked.flatMap { line in TextSearch.lastRange(of: line, in: window).map { String(window[..<$0.lowerBound]) } } ?? window
        let inWorking = value.map { _ in AnswerExtractor.numbers(in: working).contains(where: close) } ?? false
        let lowered = window.lowercased()
        let hedging = hedges.reduce(0) { $0 + TextSearch.occurrences(of: $1, in: lowered) }
        let questionNumbers = Set(AnswerExtractor.numbers(in: query))
        let allNumbers = AnswerExtractor.numbers(in: window)
        let responseNumbers = Set(allNumbers)
        let unused = questionNumbers.isEmpty ? 0 : Double(questionNumbers.subtracting(responseNumbers).count) / Double(questionNumbers.count)
        let flag = { (condition: Bool) in condition ? 1.0 : 0.0 }
        let appearances = allNumbers.filter(close).count
        let markedValues = Set(
            AnswerExtractor.markerPattern.matches(in: window, range: NSRange(window.startIndex..., in: window)).compactMap { match in
                Range(match.range(at: 1), in: window).flatMap { AnswerExtractor.firstNumber(in: String(window[$0])) }
            }
        )
        let derived = Set(statements.flatMap { [$0.claimed, $0.computed] })
        let fromNowhere = responseNumbers.filter { number in
            !questionNumbers.contains(number) && !derived.contains { AnswerExtractor.isSameNumber($0, number) }
        }
        let loweredQuery = query.lowercased()
        let sentences = query.split { $0 == "." || $0 == "?" || $0 == "!" }.count
        return [
            flag(outcome(.format) == .failed),
            flag(outcome(.arithmetic) == .failed),
            log1p(Double(statements.filter { !$0.holds }.count)),
            log1p(Double(statements.count)),
            flag(outcome(.support) == .unsupported),
            flag(lastComputed),
            flag(inWorking),
            flag(marked != nil),
            log1p(Double(window.count)),
            log1p(Double(window.split(whereSeparator: \.isNewline).count)),
            log1p(Double(hedging)),
            unused,
            flag(value.map { $0.rounded() != $0 } ?? false),
            flag(value.map { $0 < 0 } ?? false),
            value.map { log10(min(abs($0), 1e12) + 1) } ?? 0,
            flag(value.map { questionNumbers.contains($0) } ?? false),
            log1p(Double(query.count)),
            log1p(Double(questionNumbers.count)),
            log1p(Double(responseNumbers.count)),
            log1p(Double(appearances)),
            flag(markedValues.count > 1),
            responseNumbers.isEmpty ? 0 : Double(fromNowhere.count) / Double(responseNumbers.count),
            flag(["%", "percent"].contains { TextSearch.contains($0, in: loweredQuery) }),
            flag(["fraction", "ratio", "half", "third", "quarter", "twice", "times as"].contains { TextSearch.contains($0, in: loweredQuery) }),
            log1p(Double(sentences)),
        ]
    }
}
