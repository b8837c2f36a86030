/// What differs between kinds of run in how their agents take turns. `StepLoop` does the rest alike for every
/// kind: the steps of the graph in order, what each receiver is delivered (withheld deliveries counted), the
/// turns of a step run concurrently, usage, calls and verification tallied, and quarantine after repeated failed
/// checks. A task's run (`Executor.TaskTurns`) and an AgentsNet run (`AgentsNetTurns`) are the two strategies.
protocol TurnStrategy: Sendable {
    /// What an agent said last, as the loop keeps it for the next step.
    associatedtype Output: TurnOutput
    /// A sender's latest message as one receiver gets it (or is kept from it).
    associatedtype Inbound: InboundMessage

    /// Who acts in each step and whose messages each receives.
    var graph: AgentGraph { get }
    var policy: VerificationPolicy { get }
    /// Where the run's events are recorded.
    var ledger: RunLedger { get }
    /// Whether a quarantined agent still takes its turns (its messages reach no one) instead of leaving the graph.
    var quarantinedAgentsAct: Bool { get }

    /// Whether step `index` runs; called before it.
    func gate(before index: Int, step: AgentGraph.Step, latest: [Int: Output], spent: Double) async throws -> StepGate
    /// What `agent` receives of its senders' latest messages in `step`, with their verdicts.
    func deliveries(to agent: Int, in step: AgentGraph.Step, latest: [Int: Output], quarantined: Set<Int>) -> [Inbound]
    /// One agent's turn: its calls, each staged in the ledger as it ends.
    func turn(agent: Int, step index: Int, inbound: [Inbound], previous: Output?) async throws -> TurnResult<Output>
    /// Why the run stops after step `index`, or nil to go on.
    func stopReason(after index: Int, results: [TurnResult<Output>], spent: Double) -> String?
}

/// What the loop reads of an agent's message: what its checks found.
protocol TurnOutput: Sendable {
    var checks: [CheckResult] { get }
}

/// What the loop reads of a delivery: whether its receiver sees it.
protocol InboundMessage: Sendable {
    var verdict: DeliveryVerdict { get }
}

/// What a strategy decides before a step.
struct StepGate: Sendable {
    /// How a run ends before a step.
    enum End: Sendable {
        /// The budget or the deadline stopped the run.
        case stopped(reason: String)
        /// The run is done: a cascade's judge kept the answer of `answering` (nil: the graph's answering agents).
        case done(answering: [Int]?)
    }

    /// A cascade judge's decision on the step's level, kept with the run's outcome.
    var escalation: EscalationDecision?
    /// How the run ends before the step; nil when the step runs.
    var end: End?

    /// The step runs.
    static let run = StepGate()
}

extension TurnStrategy {
    func gate(before index: Int, step: AgentGraph.Step, latest: [Int: Output], spent: Double) async throws -> StepGate { .run }
    func stopReason(after index: Int, results: [TurnResult<Output>], spent: Double) -> String? { nil }
}
