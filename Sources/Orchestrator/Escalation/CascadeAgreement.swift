/// The rule of an agreement cascade: a level's agents' answer stands when they all gave the same readable answer and
/// no check failed it; anything else goes up a level. The executor's gate and the full-information valuation of plans
/// on recorded outcomes both decide by it.
public enum CascadeAgreement {
    /// One agent's answer as the rule reads it.
    public struct Answer: Sendable, Equatable {
        public var agent: Int
        /// The answer read from the message; nil when none could be read.
        public var answer: String?
        /// The first check that failed the message, if any.
        public var failedCheck: String?
        /// False for a recorded outcome that kept no text (nothing to agree on).
        public var textRecorded: Bool

        public init(agent: Int, answer: String?, failedCheck: String? = nil, textRecorded: Bool = true) {
            self.agent = agent
            self.answer = answer
            self.failedCheck = failedCheck
            self.textRecorded = textRecorded
        }

        init(agent: Int, _ output: Executor.AgentOutput) {
            self.init(
                agent: agent,
                answer: output.answer,
                failedCheck: output.checks.first { $0.outcome == .failed }?.check.rawValue,
                textRecorded: output.textRecorded
            )
        }
    }

    /// The rule itself: at least two answers, every one readable, from recorded text, with no failed check, and all
    /// the same. `decide` says why; valuing plans asks only whether, millions of times.
    public static func agrees(_ answers: some Collection<(answer: String?, failed: Bool, textRecorded: Bool)>) -> Bool {
        guard answers.count >= 2, let first = answers.first?.answer else { return false }
        return answers.allSatisfy { $0.textRecorded && !$0.failed && $0.answer == first }
    }

    /// Whether the answers agree, and why.
    public static func decide(_ answers: [Answer]) -> (agrees: Bool, reason: String) {
        let agreed = agrees(answers.map { (answer: $0.answer, failed: $0.failedCheck != nil, textRecorded: $0.textRecorded) })
        guard answers.count >= 2 else { return (false, "an agreement needs at least two answers, got \(answers.count)") }
        if let textless = answers.first(where: { !$0.textRecorded }) {
            return (false, "agent \(textless.agent): no response text recorded, nothing to agree on")
        }
        if let unread = answers.first(where: { $0.answer == nil }) {
            return (false, "agent \(unread.agent) gave no readable answer")
        }
        if let failed = answers.first(where: { $0.failedCheck != nil }) {
            return (false, "agent \(failed.agent)'s answer failed the \(failed.failedCheck ?? "") check")
        }
        let agents = answers.map { String($0.agent) }.joined(separator: ", ")
        guard agreed, let first = answers.first?.answer else {
            let given = answers.map { "agent \($0.agent) \(UntrustedText.printable(String(($0.answer ?? "").prefix(40))))" }
            return (false, "disagree: " + given.joined(separator: " · "))
        }
        return (true, "agents \(agents) agree on \(UntrustedText.printable(String(first.prefix(40))))")
    }
}
