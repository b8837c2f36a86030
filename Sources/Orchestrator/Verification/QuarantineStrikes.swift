/// Who is cut from the graph under `check+quarantine`: each message of an agent that fails a check is a strike, and
/// `VerificationPolicy.strikesBeforeQuarantine` strikes cut it. The one count both executors keep (the executor's
/// steps and AgentsNet's rounds).
struct QuarantineStrikes: Sendable {
    let policy: VerificationPolicy
    private var strikes: [Int: Int] = [:]
    /// The agents cut, in the order they were cut.
    private(set) var quarantined: [Int] = []

    init(policy: VerificationPolicy) {
        self.policy = policy
    }

    /// Counts an agent's message; returns true when this message cuts the agent (record it from the next step on).
    mutating func count(agent: Int, checks: [CheckResult]) -> Bool {
        guard policy.quarantines, checks.hasFailure, !quarantined.contains(agent) else { return false }
        strikes[agent, default: 0] += 1
        guard strikes[agent, default: 0] >= VerificationPolicy.strikesBeforeQuarantine else { return false }
        quarantined.append(agent)
        return true
    }
}
