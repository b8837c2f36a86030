import Foundation

/// The one place a run's events become trace rows: each model attempt with its purpose, the deliveries and
/// checks that came with it, injected faults' messages, quarantines and escalation decisions. Each is written
/// the moment it happens.
struct RunLedger: Sendable {
    let store: TraceStore
    let runID: String
    /// The span of each agent, parent of its messages' spans.
    let agentSpanIDs: [String]
    let providers: ProviderRegistry

    /// Records one attempt at a model call by `agent` in `step`, with the deliveries it read and what the
    /// checks found in its reply; returns the message's id.
    func record(
        _ attempt: CallAttempt,
        agent: Int,
        step: Int,
        role: String,
        purpose: MessagePurpose = .turn,
        answer: String?,
        checks: [CheckResult],
        deliveries: [DeliveryRecord] = [],
        consistency: [VerificationRecord] = []
    ) async throws -> Int64 {
        let row = row(attempt, agent: agent, step: step, role: role, purpose: purpose, answer: answer)
        return try await store.recordMessage(row, deliveries: deliveries, deliveryVerifications: consistency, checks: checks)
    }

    /// Writes a message row built earlier (`row`), with the deliveries it read and its checks; returns its id.
    func record(_ row: MessageRecord, deliveries: [DeliveryRecord], checks: [CheckResult]) async throws -> Int64 {
        try await store.recordMessage(row, deliveries: deliveries, checks: checks)
    }

    /// The message row of one attempt, not yet written: for a turn whose rows are written together with what the
    /// round decided (AgentsNet).
    func row(_ attempt: CallAttempt, agent: Int, step: Int, role: String, purpose: MessagePurpose, answer: String?) -> MessageRecord {
        var row = MessageRecord(
            runID: runID,
            step: step,
            agentIndex: agent,
            role: role,
            model: attempt.model.name,
            provider: providers.label(for: attempt.model),
            promptJSON: JSONText.messages(attempt.messages),
            parentSpanID: agentSpanIDs[agent],
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

    /// Records an injected fault's message (no model was called) as purpose `fault`, or `re-ask` when the
    /// faulty agent is asked again.
    func recordFault(
        text: String,
        agent: Int,
        step: Int,
        role: String,
        model: String,
        purpose: MessagePurpose,
        answer: String?,
        checks: [CheckResult],
        deliveries: [DeliveryRecord] = [],
        consistency: [VerificationRecord] = []
    ) async throws -> Int64 {
        var row = MessageRecord(
            runID: runID,
            step: step,
            agentIndex: agent,
            role: role,
            model: model,
            provider: Executor.faultProvider,
            promptJSON: "[]",
            parentSpanID: agentSpanIDs[agent],
            purpose: purpose
        )
        row.response = text
        row.answer = answer
        return try await store.recordMessage(row, deliveries: deliveries, deliveryVerifications: consistency, checks: checks)
    }

    /// Records that `agent` was cut from the graph before `step`.
    func recordQuarantine(agent: Int, step: Int) async throws {
        try await store.recordQuarantine(runID: runID, agent: agent, step: step)
    }

    /// Records what a cascade's judge decided about one level's answer: escalate to the next level, or stop
    /// there (the next level is skipped and costs nothing).
    func record(_ decision: EscalationDecision) async throws {
        try await store.recordEscalation(
            EscalationRecord(
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
        )
    }
}
