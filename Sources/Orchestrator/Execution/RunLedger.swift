import Foundation
import NIOConcurrencyHelpers

/// The one place a run's events become trace rows, from the run row's beginning to its finish: the plan or the
/// agents, each model attempt with its purpose, the deliveries and checks that came with it, injected faults'
/// messages, quarantines and escalation decisions.
///
/// Events are staged the moment they happen and written together in one transaction: when the run finishes, and
/// whenever the oldest staged event has waited `flushDelay` (200 ms by default), so a finished message is durable
/// within that delay however long its step or run goes on; a run shorter than the delay costs one transaction, not
/// one a message. Until it is written a message is named by its `MessageKey`; deliveries name
/// the messages they carry by key, resolved to row ids when written.
final class RunLedger: Sendable {
    let store: TraceStore
    let runID: String
    let providers: ProviderRegistry
    /// The longest a staged event waits for its transaction; zero writes each as soon as it is staged.
    let flushDelay: Duration
    /// How often a running run says its process is still at work on it (`runs.heartbeatAt`), so that another
    /// process can tell a run whose process vanished, on any host.
    let heartbeatInterval: Duration
    private let state = NIOLockedValueBox(State())
    /// Commits one at a time, in order, so a message's id is known before anything that names it is written.
    private let writes = AsyncSemaphore(permits: 1)

    init(
        store: TraceStore,
        runID: String,
        providers: ProviderRegistry,
        flushDelay: Duration = OrchestratorConfiguration.defaultTraceFlushDelay,
        heartbeatInterval: Duration = RunLedger.defaultHeartbeatInterval
    ) {
        self.store = store
        self.runID = runID
        self.providers = providers
        self.heartbeatInterval = heartbeatInterval
        self.flushDelay = flushDelay
        (storeFailures, storeFailureContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(1))
    }

    /// A message of this run, staged or written.
    typealias MessageKey = TraceEvent.MessageKey
    /// A neighbour's message as one receiver got it, or was kept from it.
    typealias Receipt = TraceEvent.Receipt

    /// A run's heartbeat: every 5 s while it runs.
    static let defaultHeartbeatInterval: Duration = .seconds(5)

    private struct State: Sendable {
        /// Whether the run's heartbeat is staged: from `begin` to `stageFinish`.
        var beating = false
        /// The next heartbeat while beating.
        var heartbeat: Watchdog.Alarm?
        /// The timed flush of what is staged, until a commit writes it.
        var flush: Watchdog.Alarm?
        var nextKey = 0
        var agentSpanIDs: [String] = []
        var staged: [TraceEvent] = []
        var ids: [MessageKey: Int64] = [:]
        /// Bumped by every commit; a flush timer only commits when none came since it was set.
        var generation = 0
        /// How many batches are written; the next is numbered so (`RunWriteMark`).
        var batchesWritten = 0
        /// The batch being written, or one that could not be: tried again whole, with its number, before anything
        /// staged since (its first try may have committed unseen, and then the second writes nothing).
        var pending: [TraceEvent] = []
        /// The first failure to write, told to `storeFailures` once.
        var failure: TraceStoreFailure?
        /// Every message staged, as the run's result lists it.
        var calls: [RunResult.Call] = []
    }

    /// The first time the store could not write this run's events (a timed flush or a commit); the run ends on it.
    /// Finishes when the ledger goes away.
    let storeFailures: AsyncStream<TraceStoreFailure>
    private let storeFailureContinuation: AsyncStream<TraceStoreFailure>.Continuation

    // MARK: The run row

    /// Stages the start of the run (status `running`): the first event staged, so the row is written first, and
    /// within the flush delay like any other. Starts the run's heartbeat, staged every `heartbeatInterval` until
    /// `finish`.
    func begin(_ record: RunRecord) {
        stage(.runStarted(record))
        state.withLockedValue { $0.beating = true }
        scheduleHeartbeat()
    }

    /// Sets the alarm of the next heartbeat, which stages it and sets the one after, until `stageFinish`.
    private func scheduleHeartbeat() {
        state.withLockedValue { state in
            guard state.beating else { return }
            state.heartbeat = Watchdog.shared.schedule(after: heartbeatInterval) { [weak self] in
                guard let self, self.state.withLockedValue({ $0.beating }) else { return }
                self.stage(.heartbeat(Date()))
                self.scheduleHeartbeat()
            }
        }
    }

    deinit {
        state.withLockedValue { state in
            for alarm in [state.heartbeat, state.flush].compactMap({ $0 }) { Watchdog.shared.cancel(alarm) }
        }
        storeFailureContinuation.finish()
    }

    /// Stages the plan: its decisions, its agents (each with a fresh span) and its JSON, returned as written to
    /// `runs.planJSON`.
    func recordPlan(_ plan: Plan) throws -> String {
        let spans = plan.agents.map { _ in TraceIDs.spanID() }
        state.withLockedValue { $0.agentSpanIDs = spans }
        let rows = try TraceStore.PlanRows(runID: runID, plan: plan, agentSpanIDs: spans)
        stage(.plan(rows))
        return rows.planJSON
    }

    /// Stages the agents of a run without a controller plan (an AgentsNet run).
    func recordAgents(_ agents: [AgentRecord]) {
        state.withLockedValue { $0.agentSpanIDs = agents.map(\.spanID) }
        stage(.agents(agents))
    }

    /// Stages the injected faults, marked on the run and its agents; returns the JSON for `runs.faultsJSON`.
    func recordFaults(_ faults: [InjectedFault]) throws -> String? {
        let json = try InjectedFault.json(faults)
        stage(.faults(faults, json: json))
        return json
    }

    /// Writes what is staged and how the run ended, in one transaction.
    func finish(_ record: RunRecord) async throws {
        stageFinish(record)
        try await commit()
    }

    /// Stages how the run ended, in place of any end staged before (a run that could not be recorded ends failed,
    /// not as it first ended, even when a batch that could not be written ended it otherwise); stops the heartbeat.
    /// Written by the next commit.
    func stageFinish(_ record: RunRecord) {
        state.withLockedValue { state in
            if let heartbeat = state.heartbeat { Watchdog.shared.cancel(heartbeat) }
            state.heartbeat = nil
            state.beating = false
            state.staged.removeAll { if case .runFinished = $0 { true } else { false } }
        }
        stage(.runFinished(record))
    }

    // MARK: Messages

    /// Stages one attempt at a model call by `agent` in `step`, with the deliveries it read and what the checks
    /// found in its reply.
    @discardableResult
    func record(
        _ attempt: CallAttempt,
        agent: Int,
        step: Int,
        role: String,
        purpose: MessagePurpose = .turn,
        answer: String?,
        checks: [CheckResult],
        receipts: [Receipt] = []
    ) -> MessageKey {
        stage(row(attempt, agent: agent, step: step, role: role, purpose: purpose, answer: answer), receipts: receipts, checks: checks)
    }

    /// Stages an injected fault's message (no model was called) as purpose `fault`, or `re-ask` when the faulty
    /// agent is asked again.
    func recordFault(
        text: String,
        agent: Int,
        step: Int,
        role: String,
        model: String,
        purpose: MessagePurpose,
        answer: String?,
        checks: [CheckResult],
        receipts: [Receipt] = []
    ) -> MessageKey {
        var row = MessageRecord(
            runID: runID,
            step: step,
            agentIndex: agent,
            role: role,
            model: model,
            provider: Executor.faultProvider,
            promptJSON: "[]",
            parentSpanID: agentSpanID(agent),
            purpose: purpose
        )
        row.response = text
        row.answer = answer
        return stage(row, receipts: receipts, checks: checks)
    }

    /// Stages a message row built earlier (`row`) with the deliveries its sender read and its checks.
    @discardableResult
    func stage(_ row: MessageRecord, receipts: [Receipt], checks: [CheckResult]) -> MessageKey {
        let call = RunResult.Call(
            model: row.model,
            answered: row.error == nil && row.response != nil,
            latencyMilliseconds: row.latencyMilliseconds,
            costUSD: row.costUSD,
            promptTokens: row.promptTokens,
            completionTokens: row.completionTokens
        )
        let key = state.withLockedValue { state in
            state.calls.append(call)
            defer { state.nextKey += 1 }
            return MessageKey(value: state.nextKey)
        }
        stage(.message(key: key, row: row, receipts: receipts, checks: checks))
        return key
    }

    /// Stages an event; the first event staged after a commit sets the flush alarm.
    private func stage(_ event: TraceEvent) {
        let immediate = flushDelay <= .zero
        let flush = state.withLockedValue { state -> Int? in
            let first = state.staged.isEmpty
            state.staged.append(event)
            guard first else { return nil }
            let generation = state.generation
            if !immediate {
                // Holds the ledger until it fires or a commit cancels it, so what is staged is written.
                state.flush = Watchdog.shared.schedule(after: flushDelay) { [self] in
                    Task { [self] in await self.flush(generation: generation) }
                }
            }
            return generation
        }
        if immediate, let generation = flush {
            Task { [self] in await self.flush(generation: generation) }
        }
    }

    /// The message row of one attempt.
    private func row(_ attempt: CallAttempt, agent: Int, step: Int, role: String, purpose: MessagePurpose, answer: String?) -> MessageRecord {
        var row = MessageRecord(
            runID: runID,
            step: step,
            agentIndex: agent,
            role: role,
            model: attempt.model.name,
            provider: providers.label(for: attempt.model),
            promptJSON: JSONText.messages(attempt.messages),
            parentSpanID: agentSpanID(agent),
            purpose: purpose
        )
        let usage = attempt.usage
        // A recorded outcome without text has none to store: its judgement is in recordedCorrect.
        row.response = attempt.response.flatMap { $0.textRecorded ? $0.content : nil }
        row.answer = answer
        row.promptTokens = usage.promptTokens
        row.completionTokens = usage.completionTokens
        row.tokensEstimated = usage.estimated
        row.costUSD = attempt.costUSD
        row.latencyMilliseconds = attempt.latencyMilliseconds
        row.attempt = attempt.number
        row.error = attempt.errorText
        row.startedAt = attempt.startedAt
        row.finishedAt = attempt.finishedAt
        row.fallbackFrom = attempt.fallbackFrom
        row.errorKind = attempt.errorKind
        row.httpStatus = attempt.failure?.httpStatus
        row.recovery = attempt.recovery
        row.finishReason = attempt.response?.finishReason
        row.recordedCorrect = attempt.response?.recordedCorrect
        return row
    }

    /// Writes everything staged in one transaction; returns once it and every earlier commit are durable. When the
    /// store cannot write, the batch is kept for the next commit, which tries it again first (nothing is lost, and
    /// nothing written twice), the failure is told to `storeFailures` (the first one) and thrown; any other error
    /// (`UnknownMessage`) is thrown as it is.
    func commit() async throws {
        await writes.acquire()
        do {
            try await writeStaged()
            await writes.release()
        } catch let failure as TraceStoreFailure {
            await writes.release()
            let first = state.withLockedValue { state in
                defer { state.failure = state.failure ?? failure }
                return state.failure == nil
            }
            if first { storeFailureContinuation.yield(failure) }
            throw failure
        } catch {
            await writes.release()
            throw error
        }
    }

    /// The body of `commit`, run holding `writes`: a batch that could not be written before, then what is staged.
    private func writeStaged() async throws {
        try await writePending()
        let staged = state.withLockedValue { state in
            state.generation += 1
            if let flush = state.flush { Watchdog.shared.cancel(flush) }
            state.flush = nil
            defer { state.staged = [] }
            state.pending = state.staged
            return !state.staged.isEmpty
        }
        if staged { try await writePending() }
    }

    /// Writes the pending batch with its number; it stays pending when that fails.
    private func writePending() async throws {
        let (batch, number, known) = state.withLockedValue { ($0.pending, $0.batchesWritten, $0.ids) }
        guard !batch.isEmpty else { return }
        // In a task of its own, so that a cancelled run (a caller that went away) still records what it did.
        let written = try await Task { [store, runID] in
            try await store.write(batch, runID: runID, known: known, batch: number)
        }.value
        state.withLockedValue { state in
            state.ids.merge(written) { _, new in new }
            state.batchesWritten += 1
            state.pending = []
        }
    }

    /// Every message staged so far, in order.
    var calls: [RunResult.Call] {
        state.withLockedValue { $0.calls }
    }

    /// The row id of a written message; nil while it is staged.
    func messageID(of key: MessageKey) -> Int64? {
        state.withLockedValue { $0.ids[key] }
    }

    /// Commits what is staged unless a commit came since `generation`.
    private func flush(generation: Int) async {
        guard state.withLockedValue({ $0.generation == generation }) else { return }
        // A failure is told to `storeFailures`, and the batch is kept for the next commit.
        try? await commit()
    }

    /// The span of `agent`'s work in this run, under which its messages are recorded.
    func agentSpanID(_ agent: Int) -> String {
        state.withLockedValue { $0.agentSpanIDs.indices.contains(agent) ? $0.agentSpanIDs[agent] : "" }
    }

    // MARK: Other events

    /// Stages that `agent` was cut from the graph before `step`.
    func recordQuarantine(agent: Int, step: Int) {
        stage(.quarantine(agent: agent, step: step))
    }

    /// Stages what a cascade's judge decided about one level's answer: escalate to the next level, or stop there
    /// (the next level is skipped and costs nothing).
    func record(_ decision: EscalationDecision) {
        let record = EscalationRecord(
            runID: runID,
            step: decision.step,
            fromAgent: decision.fromAgent,
            toAgent: decision.toAgent,
            fromModel: decision.fromModel,
            toModel: decision.toModel,
            probabilityWrong: decision.probabilityWrong,
            threshold: decision.threshold,
            escalated: decision.escalates,
            reason: decision.reason
        )
        stage(.escalation(record))
    }
}
