/// What a run's turns cost and what verification did: counted by the step loop, written to the run row by
/// `RunRecord.record(_:)` for task and AgentsNet runs alike.
struct RunTally: Sendable {
    var usage = TokenUsage()
    var costUSD = 0.0
    /// Model calls, retries and fallbacks included.
    var calls = 0
    var retries = 0
    var fallbacks = 0
    var verification = VerificationTally()
}

/// Counts of what verification did in a run.
struct VerificationTally: Sendable {
    /// Messages that failed a check or could not be vouched for.
    var flaggedMessages = 0
    /// Deliveries kept from their receiver.
    var withheldDeliveries = 0
    /// Agents cut from the graph, in the order they were cut.
    var quarantined: [Int] = []
    var calls = 0
    var costUSD = 0.0
}

extension RunRecord {
    /// Writes a run's tally into its row: cost, tokens, retries and fallbacks, and what verification did.
    mutating func record(_ tally: RunTally) {
        costUSD = tally.costUSD
        promptTokens = tally.usage.promptTokens
        completionTokens = tally.usage.completionTokens
        tokensEstimated = tally.usage.estimated
        retries = tally.retries
        fallbacks = tally.fallbacks
        flaggedMessages = tally.verification.flaggedMessages
        withheldDeliveries = tally.verification.withheldDeliveries
        quarantinedAgents = tally.verification.quarantined.count
        verificationCalls = tally.verification.calls
        verificationCostUSD = tally.verification.costUSD
    }
}
