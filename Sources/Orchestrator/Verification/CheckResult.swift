/// What one check said of one message.
public struct CheckResult: Sendable, Codable, Equatable {
    /// The checks a message can go through.
    public enum Check: String, Sendable, Codable, CaseIterable {
        /// The message carries a readable answer of the task's kind.
        case format
        /// Every arithmetic statement in it holds when re-computed.
        case arithmetic
        /// A numeric answer is backed by the message's own working or the task's numbers.
        case support
        /// A claimed choice is one of the options the task lists.
        case choice
        /// Its answer agrees with the other messages the receiver got (judged per receiver).
        case consistency
        /// It is sent only to the sender's real neighbours (AgentsNet messages are keyed by neighbour).
        case addressing
        /// A code answer passes the task's tests, run in a child process with time and memory limits and no network.
        case code
        /// Its structured claims are true where the system knows the truth: identifiers, relayed values, valid
        /// options, one story told to every neighbour.
        case claims
    }

    /// How the check came out.
    public enum Outcome: String, Sendable, Codable {
        /// The check ran and found nothing wrong.
        case passed
        /// The check proved the message wrong or malformed; counts towards quarantine.
        case failed
        /// The claim could not be checked (no working shown); the message is delivered as unverified, no strike.
        case unsupported
        /// The check does not apply to this message.
        case skipped
        /// Its answer conflicts with another message the receiver got (consistency only); no strike.
        case disputed
    }

    public var check: Check
    public var outcome: Outcome
    /// What was found, readable by a person and by the receiving agent.
    public var detail: String

    public init(check: Check, outcome: Outcome, detail: String) {
        self.check = check
        self.outcome = outcome
        self.detail = detail
    }
}

extension [CheckResult] {
    /// True when any check proved the message wrong.
    var hasFailure: Bool { contains { $0.outcome == .failed } }
    /// True when any check could not vouch for the message.
    var hasDoubt: Bool { contains { $0.outcome == .failed || $0.outcome == .unsupported } }
    /// The details of the checks that failed or could not vouch, joined for a prompt or a report.
    var doubts: String {
        filter { $0.outcome == .failed || $0.outcome == .unsupported }.map { "\($0.check.rawValue): \($0.detail)" }.joined(separator: "; ")
    }
}
