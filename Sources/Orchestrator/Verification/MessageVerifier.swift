import Foundation

/// The deterministic checks a message goes through before a neighbour sees it: a readable answer, arithmetic
/// that holds when re-computed, a numeric answer backed by working, a choice among the listed options.
///
/// Each check is cheap, needs no model and says why it failed, so the verdict can be shown to the receiver and
/// kept in the trace.
public enum MessageVerifier {
    /// What reading one message found: its answer, its arithmetic, and the checks' results.
    public struct Examination: Sendable {
        public var answer: String?
        public var scan: ArithmeticChecker.Scan
        public var results: [CheckResult]

        /// The outcome of one check, when it ran.
        public func outcome(of check: CheckResult.Check) -> CheckResult.Outcome? {
            results.first { $0.check == check }?.outcome
        }
    }

    /// Checks one message's text for a task.
    /// The text is read through `UntrustedText`'s bounds; what was given up on (a long reply's head, over-long
    /// lines, expressions too deep to evaluate) is said in the detail of the check concerned.
    public static func check(response: String, kind: AnswerKind, query: String) -> [CheckResult] {
        examine(response: response, kind: kind, query: query).results
    }

    /// Reads one message once — its answer, its arithmetic — and checks it, keeping what was read for other uses
    /// (the escalation judge's features).
    public static func examine(response: String, kind: AnswerKind, query: String) -> Examination {
        let answer = AnswerExtractor.extract(from: response, kind: kind)
        var results = [format(response: response, answer: answer, kind: kind)]
        let scan = ArithmeticChecker.scan(response)
        results.append(arithmetic(scan))
        switch kind {
        case .number:
            results.append(support(answer: answer, statements: scan.statements, query: query))
        case .choice:
            results.append(choice(answer: answer, query: query))
        case .text, .code:
            break
        }
        return Examination(answer: answer, scan: scan, results: results)
    }

    static func format(response: String, answer: String?, kind: AnswerKind) -> CheckResult {
        // Stops at the first visible character instead of trimming a copy of the whole reply.
        if response.unicodeScalars.allSatisfy(CharacterSet.whitespacesAndNewlines.contains) {
            return CheckResult(check: .format, outcome: .failed, detail: "the message is empty")
        }
        guard let answer else {
            let wanted =
                switch kind {
                case .number: "a number"
                case .choice: "a choice letter"
                case .text: "a short answer"
                case .code: "a fenced code block"
                }
            let note = UntrustedText.omissionNote(UntrustedText.window(response).omitted).map { " (\($0))" } ?? ""
            return CheckResult(check: .format, outcome: .failed, detail: "no \(wanted) can be read as its answer\(note)")
        }
        return CheckResult(check: .format, outcome: .passed, detail: "answer \(answer.prefix(200))")
    }

    static func arithmetic(_ scan: ArithmeticChecker.Scan) -> CheckResult {
        let statements = scan.statements
        let gaveUp = scan.gaveUp.map { "; \($0)" } ?? ""
        guard !statements.isEmpty else {
            return CheckResult(check: .arithmetic, outcome: .skipped, detail: "no arithmetic statement\(gaveUp)")
        }
        let wrong = statements.filter { !$0.holds }
        guard wrong.isEmpty else {
            let shown = wrong.prefix(3).map { "\($0.text) is wrong: it is \(AnswerExtractor.canonicalNumber($0.computed))" }
            return CheckResult(check: .arithmetic, outcome: .failed, detail: shown.joined(separator: "; ") + gaveUp)
        }
        return CheckResult(check: .arithmetic, outcome: .passed, detail: "\(statements.count) statement(s) re-computed\(gaveUp)")
    }

    /// A numeric answer is backed when it is the result of one of the message's statements or a number of the task.
    static func support(answer: String?, statements: [ArithmeticChecker.Statement], query: String) -> CheckResult {
        guard let answer, let value = AnswerExtractor.parseNumber(answer) else {
            return CheckResult(check: .support, outcome: .skipped, detail: "no numeric answer")
        }
        let close = { (other: Double) in AnswerExtractor.isSameNumber(other, value) }
        if statements.contains(where: { close($0.claimed) || close($0.computed) }) {
            return CheckResult(check: .support, outcome: .passed, detail: "\(answer) is the result of the message's own working")
        }
        if AnswerExtractor.numbers(in: query).contains(where: close) {
            return CheckResult(check: .support, outcome: .passed, detail: "\(answer) is a number given in the task")
        }
        return CheckResult(check: .support, outcome: .unsupported, detail: "no working in the message arrives at \(answer)")
    }

    static func choice(answer: String?, query: String) -> CheckResult {
        let options = ChoiceOptions.letters(in: query)
        guard let answer else {
            return CheckResult(check: .choice, outcome: .skipped, detail: "no choice to check")
        }
        guard !options.isEmpty else {
            return CheckResult(check: .choice, outcome: .skipped, detail: "the task lists no options")
        }
        if options.contains(answer) {
            return CheckResult(check: .choice, outcome: .passed, detail: "\(answer) is one of \(options.joined(separator: ", "))")
        }
        return CheckResult(check: .choice, outcome: .failed, detail: "\(answer) is not an option; the task lists \(options.joined(separator: ", "))")
    }
}
