import Foundation
import Logging

/// Runs a task's plan: its agent graph goes through the one step loop (`StepLoop`) with the task's turn strategy
/// (`TaskTurns`: the agents of a step concurrently, each message recorded as its call ends, the budget checked
/// before and after every step, a cascade's levels gated by its judge), then the answer is formed from the
/// latest answers. AgentsNet's rounds run through the same loop (`AgentsNetTurns`).
struct Executor: Sendable {
    let catalog: Catalog
    /// The one path for model calls: gates, rate limits, retries, fallback.
    let caller: ModelCaller
    let store: TraceStore
    /// The longest a run's events wait to be written (`OrchestratorConfiguration.traceFlushDelay`).
    let traceFlushDelay: Duration
    let logger: Logger

    init(
        catalog: Catalog,
        providers: ProviderRegistry,
        store: TraceStore,
        maxOutputTokens: Int,
        retryPolicy: RetryPolicy,
        traceFlushDelay: Duration = OrchestratorConfiguration.defaultTraceFlushDelay,
        logger: Logger
    ) {
        self.catalog = catalog
        caller = ModelCaller(
            fleet: catalog.fleet,
            providers: providers,
            gates: ModelGates(shared: store.sharedLimits),
            maxOutputTokens: maxOutputTokens,
            retryPolicy: retryPolicy,
            logger: logger
        )
        self.store = store
        self.traceFlushDelay = traceFlushDelay
        self.logger = logger
    }

    var providers: ProviderRegistry { caller.providers }
    var maxOutputTokens: Int { caller.maxOutputTokens }

    /// The same executor calling other providers, with gates of its own.
    func with(providers: ProviderRegistry) -> Executor {
        Executor(
            catalog: catalog,
            providers: providers,
            store: store,
            maxOutputTokens: caller.maxOutputTokens,
            retryPolicy: caller.retryPolicy,
            traceFlushDelay: traceFlushDelay,
            logger: logger
        )
    }

    /// Where the events of a new run are recorded.
    func ledger(runID: String) -> RunLedger {
        RunLedger(store: store, runID: runID, providers: caller.providers, flushDelay: traceFlushDelay)
    }

    /// A plan's topology from the catalogue and the agent graph it lays out: a cascade's levels cheapest model
    /// first, any other topology's steps for the plan's agents and rounds. On a fleet that answers from recordings, a
    /// topology whose agents read each other's messages is refused (a recorded answer cannot react to one), and a
    /// cascade's levels answer afresh, without the brief of the level before.
    func layout(_ plan: Plan) throws -> (topology: Topology, graph: AgentGraph) {
        guard let topology = catalog.topology(named: plan.topology) else {
            throw PlanningError(message: "topology '\(plan.topology)' is not in the catalogue")
        }
        try catalog.checkReplayable(topology)
        guard topology.isCascade else {
            return (topology, try AgentGraph(topology: topology, agentCount: plan.agents.count, rounds: plan.rounds, aggregation: plan.aggregation))
        }
        var graph = try AgentGraph(cascade: topology, order: AgentGraph.cascadeOrder(of: plan, fleet: catalog.fleet), rounds: plan.rounds)
        if catalog.fleet.answersFromRecordings {
            graph.steps = graph.steps.map { AgentGraph.Step(active: $0.active, edges: [], onlyWhenEscalated: $0.onlyWhenEscalated) }
        }
        return (topology, graph)
    }

    /// Where one run stands; fixed for the run.
    struct RunContext: Sendable {
        /// Where the run's events are recorded.
        var ledger: RunLedger
        var seed: UInt64
        var task: OrchestrationTask
        var plan: Plan
        var topology: Topology
        var graph: AgentGraph
        var deadline: ContinuousClock.Instant?
        /// Models that failed for good in this run.
        var health = ModelHealth()
        /// How messages between agents are checked.
        var policy = VerificationPolicy.off
        /// Injected faults by agent.
        var faults: [Int: InjectedFault] = [:]
        /// How neighbours' messages are quoted in prompts: a fresh random key for each run.
        var framing = MessageFraming()
        /// How a cascade decides whether its next level runs.
        var escalation = EscalationPolicy()
        /// Told of each agent's turn as it ends.
        var progress: (@Sendable (AgentProgress) -> Void)?

        var runID: String { ledger.runID }
    }

    /// The latest thing an agent said.
    struct AgentOutput: Sendable {
        var message: RunLedger.MessageKey
        /// The model that answered (a fallback's, when one answered).
        var model: String?
        var response: String
        var answer: String?
        /// The recorded judgement of a recorded outcome.
        var recordedCorrect: Bool?
        /// False for a recorded outcome that kept no text: `response` is a notice and nothing was read from it.
        var textRecorded = true
        /// What verification found in it; empty when verification is off.
        var checks: [CheckResult] = []
        /// What the checks read from it (answer, arithmetic), for the escalation judge's features; nil when
        /// verification is off.
        var examination: MessageVerifier.Examination?
    }

    /// The result of one agent's turn in a step.
    typealias CallResult = TurnResult<AgentOutput>

    /// How execution ended.
    struct Outcome: Sendable {
        var status: RunStatus
        var answer: String?
        var stopReason: String?
        var error: String?
        /// What the turns cost and what verification did.
        var tally: RunTally
        var latestAnswers: [Int: String]
        /// For recorded outcomes without answer text: whether the final answer was recorded as correct.
        var recordedCorrect: Bool?
        /// A cascade's decisions, one per level judged.
        var escalations: [EscalationDecision] = []
    }

    /// Runs the graph through the one step loop, then forms the answer. Throws only when the trace store cannot
    /// record.
    func execute(_ run: RunContext) async throws -> Outcome {
        let steps = try await StepLoop(strategy: TaskTurns(executor: self, run: run)).run()
        let latest = steps.latest
        let tally = steps.tally.verification
        let answering = steps.answering ?? run.graph.answeringAgents
        let stopReason = steps.stopReason
        let latestAnswers = latest.compactMapValues(\.answer)
        // Quarantined agents are cut from the graph: their answers do not count.
        let counted = latestAnswers.filter { !tally.quarantined.contains($0.key) }
        var voters = answering.filter { counted[$0] != nil }
        if voters.isEmpty {
            voters = counted.keys.sorted()
        }
        // A vote weighs each answer by its model's learned reliability when the plan carries them.
        let answer = Aggregator.vote(voters.compactMap { agent in counted[agent].map { ($0, run.plan.agents[agent].reliability) } })
        let answered = answering.filter { !tally.quarantined.contains($0) }.compactMap { latest[$0] }
        // Scored by the record (no expected answer): the judgements of the agents whose answer is the final one.
        let gave = answer.map { final in answered.filter { $0.answer == final } } ?? []
        let judged = !gave.isEmpty ? gave : answered.isEmpty ? latest.keys.sorted().compactMap { latest[$0] } : answered
        let judgements = judged.compactMap(\.recordedCorrect)
        let recordedCorrect = Aggregator.majority(of: judgements.map { $0 ? "correct" : "wrong" }).map { $0 == "correct" }
        let status: RunStatus
        if latest.isEmpty {
            status = stopReason == nil ? .failed : .stopped
        } else {
            status = stopReason == nil ? .completed : .stopped
        }
        let error = latest.isEmpty && stopReason == nil ? (steps.firstError ?? "no agent produced a message") : steps.firstError
        return Outcome(
            status: status,
            answer: answer,
            stopReason: stopReason,
            error: error,
            tally: steps.tally,
            latestAnswers: latestAnswers,
            recordedCorrect: recordedCorrect,
            escalations: steps.escalations
        )
    }

    /// Whether a cascade's next level runs, decided on the level before (the previous step's agents) and recorded:
    /// by the judge (or the checks) for a judged cascade, by whether the level's agents agree for an agreement
    /// cascade. A level that gave no message (its models failed) is escalated.
    func escalation(
        before stepIndex: Int,
        step: AgentGraph.Step,
        run: RunContext,
        latest: [Int: AgentOutput]
    ) async throws
        -> EscalationDecision?
    {
        guard stepIndex > 0, let next = step.active.first, let to = catalog.fleet.model(named: run.plan.agents[next].model) else { return nil }
        let level = run.graph.steps[stepIndex - 1].active
        guard let first = level.first else { return nil }
        // The level is judged by the models that answered, fallbacks included.
        let answered = level.map { latest[$0]?.model ?? run.plan.agents[$0].model }
        var decision = EscalationDecision(
            step: stepIndex,
            fromAgent: first,
            toAgent: next,
            fromModel: answered.joined(separator: " + "),
            toModel: to.name,
            escalates: true,
            reason: ""
        )
        if let silent = level.first(where: { latest[$0] == nil }) {
            decision.reason = "agent \(silent) gave no message"
        } else if run.topology.cascade == .agreement {
            let verdict = CascadeAgreement.decide(level.compactMap { agent in latest[agent].map { CascadeAgreement.Answer(agent: agent, $0) } })
            decision.escalates = !verdict.agrees
            decision.reason = verdict.reason
        } else if let output = latest[first], let from = catalog.fleet.model(named: answered[0]) {
            decision = run.escalation.decide(output: output, task: run.task, step: stepIndex, from: (first, from), to: (next, to))
        } else {
            decision.reason = "model \(answered[0]) is not in the fleet"
        }
        run.ledger.record(decision)
        return decision
    }

    /// Why the run must stop before a step, or nil to go on.
    func budgetStop(before stepIndex: Int, step: AgentGraph.Step, run: RunContext, latest: [Int: AgentOutput], spent: Double) -> String? {
        if let deadline = run.deadline, ContinuousClock.now >= deadline {
            return "deadline of \(ModelCaller.format(run.task.budget.deadlineSeconds ?? 0)) s reached before step \(stepIndex)"
        }
        guard let limit = run.task.budget.maxCostUSD else { return nil }
        var estimate = 0.0
        for agent in step.active {
            guard let model = catalog.fleet.model(named: run.plan.agents[agent].model) else { continue }
            let inputs = step.inputs(of: agent).compactMap { latest[$0]?.response }
            // Each quoted message adds its header and end lines, and the prompt explains the quotes once.
            let framing = inputs.isEmpty ? 0 : TokenUsage.estimate(MessageFraming.explanation) + 30 * inputs.count
            let promptTokens = TokenUsage.estimate(run.task.query + inputs.joined()) + 80 + framing
            let outputTokens = min(maxOutputTokens, model.simulation.map { $0.outputTokens * 5 / 4 + 1 } ?? maxOutputTokens)
            estimate += model.cost(promptTokens: promptTokens, completionTokens: outputTokens)
        }
        if spent + estimate > limit {
            return
                "budget of $\(ModelCaller.format(limit)) would be passed by step \(stepIndex) (spent $\(ModelCaller.format(spent)), step estimated at $\(ModelCaller.format(estimate)))"
        }
        return nil
    }

    static func json(_ messages: [ChatMessage]) -> String {
        JSONText.messages(messages)
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
