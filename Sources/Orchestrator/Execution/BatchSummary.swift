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
    }

    /// The share of scored runs that were right, or nil when none was scored.
    public var accuracy: Double? {
        scored > 0 ? Double(correct) / Double(scored) : nil
    }
}
