import Foundation
import GRDB
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
    private let state = NIOLockedValueBox(State())
    /// Commits one at a time, in order, so a message's id is known before anything that names it is written.
    private let writes = AsyncSemaphore(permits: 1)

    init(store: TraceStore, runID: String, providers: ProviderRegistry, flushDelay: Duration = OrchestratorConfiguration.defaultTraceFlushDelay) {
        self.store = store
        self.runID = runID
        self.providers = providers
        self.flushDelay = flushDelay
    }

    /// A message of this run, staged or written: its place in the order the run staged its messages.
    struct MessageKey: Hashable, Sendable {
        let value: Int
    }

    /// A neighbour's message as one receiver got it, or was kept from it.
    struct Receipt: Sendable {
        var sender: Int
        var message: MessageKey
        var verdict: DeliveryVerdict
        /// Why, for verdicts other than `verified` and `unchecked`.
        var detail: String?
    }

    /// An event waiting for its transaction.
    private enum Staged: Sendable {
        /// A message, with the deliveries its sender read and its checks.
        case message(key: MessageKey, row: MessageRecord, receipts: [Receipt], checks: [CheckResult])
        /// Any other row: a quarantine, an escalation decision, the faults.
        case write(@Sendable (Database) throws -> Void)
    }

    private struct State: Sendable {
        var nextKey = 0
        var agentSpanIDs: [String] = []
        var staged: [Staged] = []
        var ids: [MessageKey: Int64] = [:]
        /// Bumped by every commit; a flush timer only commits when none came since it was set.
        var generation = 0
        /// Why a timed flush failed, for the next commit to throw.
        var failure: TraceWriteFailure?
    }

    /// A timed flush that could not write; the run's next commit throws it.
    struct TraceWriteFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// A delivery names a message this run never staged.
    struct UnknownMessage: Error, CustomStringConvertible {
        var description: String { "a delivery names a message this run did not record" }
    }

    // MARK: The run row

    /// Stages the start of the run (status `running`): the first event staged, so the row is written first, and
    /// within the flush delay like any other.
    func begin(_ record: RunRecord) {
        stage { db in try TraceStore.insert(record, into: db) }
    }

    /// Stages the plan: its decisions, its agents (each with a fresh span) and its JSON, returned as written to
    /// `runs.planJSON`.
    func recordPlan(_ plan: Plan) throws -> String {
        let spans = plan.agents.map { _ in TraceIDs.spanID() }
        state.withLockedValue { $0.agentSpanIDs = spans }
        let rows = try TraceStore.PlanRows(runID: runID, plan: plan, agentSpanIDs: spans)
        stage(rows.insert(into:))
        return rows.planJSON
    }

    /// Stages the agents of a run without a controller plan (an AgentsNet run).
    func recordAgents(_ agents: [AgentRecord]) {
        state.withLockedValue { $0.agentSpanIDs = agents.map(\.spanID) }
        stage { db in try TraceStore.insert(agents, into: db) }
    }

    /// Stages the injected faults, marked on the run and its agents; returns the JSON for `runs.faultsJSON`.
    func recordFaults(_ faults: [InjectedFault]) throws -> String? {
        let json = try InjectedFault.json(faults)
        let runID = runID
        stage { db in try TraceStore.markFaults(faults, json: json, runID: runID, in: db) }
        return json
    }

    /// Writes what is staged and how the run ended, in one transaction.
    func finish(_ record: RunRecord) async throws {
        try await commit { db in try TraceStore.update(record, in: db) }
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
        let key = state.withLockedValue { state in
            defer { state.nextKey += 1 }
            return MessageKey(value: state.nextKey)
        }
        stage(.message(key: key, row: row, receipts: receipts, checks: checks))
        return key
    }

    /// Stages a write of rows other than messages.
    private func stage(_ write: @escaping @Sendable (Database) throws -> Void) {
        stage(.write(write))
    }

    /// Stages an event; the first event staged after a commit sets the flush timer.
    private func stage(_ event: Staged) {
        let timer = state.withLockedValue { state -> Int? in
            let first = state.staged.isEmpty
            state.staged.append(event)
            return first ? state.generation : nil
        }
        if let generation = timer {
            Task { [self] in await flush(after: flushDelay, generation: generation) }
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
        row.response = attempt.response?.content
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

    /// Writes everything staged, then `then`, in one transaction;
    /// returns once it and every earlier commit are durable. Throws what a timed flush of this run failed with.
    func commit(then last: (@Sendable (Database) throws -> Void)? = nil) async throws {
        await writes.acquire()
        do {
            try await writeStaged(then: last)
            await writes.release()
        } catch {
            await writes.release()
            throw error
        }
    }

    /// The body of `commit`, run holding `writes`.
    private func writeStaged(then last: (@Sendable (Database) throws -> Void)?) async throws {
        let (batch, known) = try state.withLockedValue { state in
            if let failure = state.failure { throw failure }
            state.generation += 1
            defer { state.staged = [] }
            return (state.staged, state.staged.isEmpty ? [:] : state.ids)
        }
        guard !batch.isEmpty || last != nil else { return }
        let runID = runID
        let written = try await store.writer.write { db -> [MessageKey: Int64] in
            var ids = known
            var written: [MessageKey: Int64] = [:]
            for event in batch {
                switch event {
                case .write(let write):
                    try write(db)
                case .message(let key, let row, let receipts, let checks):
                    let id = try Self.insert(row, receipts: receipts, checks: checks, ids: ids, runID: runID, into: db)
                    ids[key] = id
                    written[key] = id
                }
            }
            try last?(db)
            return written
        }
        state.withLockedValue { $0.ids.merge(written) { _, new in new } }
    }

    /// Inserts a message with its deliveries, their consistency verdicts and its checks; returns its id.
    private static func insert(
        _ row: MessageRecord,
        receipts: [Receipt],
        checks: [CheckResult],
        ids: [MessageKey: Int64],
        runID: String,
        into db: Database
    ) throws -> Int64 {
        var deliveries: [DeliveryRecord] = []
        var consistency: [VerificationRecord] = []
        for receipt in receipts {
            guard let messageID = ids[receipt.message] else { throw UnknownMessage() }
            deliveries.append(
                DeliveryRecord(
                    runID: runID,
                    messageID: messageID,
                    senderIndex: receipt.sender,
                    receiverIndex: row.agentIndex,
                    step: row.step,
                    verdict: receipt.verdict.rawValue,
                    detail: receipt.detail
                )
            )
            // The consistency verdicts worth keeping: one per disputed delivery, for its receiver.
            if receipt.verdict == .disputed {
                consistency.append(
                    VerificationRecord(
                        id: nil,
                        runID: runID,
                        messageID: messageID,
                        receiverIndex: row.agentIndex,
                        checkName: CheckResult.Check.consistency.rawValue,
                        outcome: CheckResult.Outcome.disputed.rawValue,
                        detail: receipt.detail ?? ""
                    )
                )
            }
        }
        return try TraceStore.insert(row, deliveries: deliveries, deliveryVerifications: consistency, checks: checks, into: db)
    }

    /// The row id of a written message; nil while it is staged.
    func messageID(of key: MessageKey) -> Int64? {
        state.withLockedValue { $0.ids[key] }
    }

    /// Commits after `delay` unless a commit came first.
    private func flush(after delay: Duration, generation: Int) async {
        if delay > .zero {
            try? await Task.sleep(for: delay)
        }
        guard state.withLockedValue({ $0.generation == generation }) else { return }
        do {
            try await commit()
        } catch {
            state.withLockedValue { $0.failure = $0.failure ?? TraceWriteFailure(description: "\(error)") }
        }
    }

    /// The span of `agent`'s work in this run, under which its messages are recorded.
    func agentSpanID(_ agent: Int) -> String {
        state.withLockedValue { $0.agentSpanIDs.indices.contains(agent) ? $0.agentSpanIDs[agent] : "" }
    }

    // MARK: Other events

    /// Stages that `agent` was cut from the graph before `step`.
    func recordQuarantine(agent: Int, step: Int) {
        let runID = runID
        stage { db in try TraceStore.markQuarantine(runID: runID, agent: agent, step: step, in: db) }
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
        stage { db in try TraceStore.insert(record, into: db) }
    }
}
