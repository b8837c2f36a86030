/// Totals over a batch of runs.
public struct BatchSummary: Sendable, Equatable {
    public var runs: Int
    /// Runs that had an expected answer.
    public var scored: Int
    /// Runs whose answer matched.
    public var correct: Int
    public var costUSD: Double
    public var usage: TokenUsage
    /// Runs per status.
    public var statuses: [RunStatus: Int]
    /// Runs per topology, for runs that got a plan.
    public var topologies: [String: Int]
    /// Runs with injected faults, and the mean of their propagation rates (nil when none had faults).
    public var faultedRuns: Int
    public var meanPropagationRate: Double?
    /// Verification totals over the batch.
    public var flaggedMessages: Int
    public var withheldDeliveries: Int
    public var quarantinedAgents: Int
    public var verificationCalls: Int
    public var verificationCostUSD: Double

    public init(results: [RunResult]) {
        runs = results.count
        scored = results.filter { $0.score != nil }.count
        correct = results.filter { ($0.score ?? 0) >= 1 }.count
        costUSD = results.reduce(0) { $0 + $1.costUSD }
        usage = results.reduce(TokenUsage()) { $0 + $1.usage }
        statuses = results.reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
        topologies = results.reduce(into: [:]) { counts, result in
            if let topology = result.plan?.topology { counts[topology, default: 0] += 1 }
        }
        let rates = results.compactMap(\.verification.propagationRate)
        faultedRuns = rates.count
        meanPropagationRate = rates.isEmpty ? nil : rates.reduce(0, +) / Double(rates.count)
        flaggedMessages = results.reduce(0) { $0 + $1.verification.flaggedMessages }
        withheldDeliveries = results.reduce(0) { $0 + $1.verification.withheldDeliveries }
        quarantinedAgents = results.reduce(0) { $0 + $1.verification.quarantinedAgents.count }
        verificationCalls = results.reduce(0) { $0 + $1.verification.calls }
        verificationCostUSD = results.reduce(0) { $0 + $1.verification.costUSD }
    }

    /// The share of scored runs that were right, or nil when none was scored.
    public var accuracy: Double? {
        scored > 0 ? Double(correct) / Double(scored) : nil
    }
}
