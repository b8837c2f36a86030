import Foundation

extension Executor {
    /// A faulty agent's turn: no model is called; it sends its fault's message, recorded with provider
    /// `fault-injected` and purpose `fault`, and checked like any other. A re-ask gets the same message back.
    func actFaulty(
        _ fault: InjectedFault,
        step: Int,
        role: Role,
        deliveries: [DeliveryRecord],
        consistency: [VerificationRecord],
        run: RunContext
    ) async throws -> CallResult {
        var result = CallResult(agent: fault.agent)
        let text = FaultInjector.message(for: fault, task: run.task)
        let answer = AnswerExtractor.extract(from: text, kind: run.task.answerKind)
        let checks = await check(text, run: run)
        var row = MessageRecord(
            runID: run.runID,
            step: step,
            agentIndex: fault.agent,
            role: role.name,
            model: run.plan.agents[fault.agent].model,
            provider: Self.faultProvider,
            promptJSON: "[]",
            parentSpanID: run.agentSpanIDs[fault.agent],
            purpose: .fault
        )
        row.response = text
        row.answer = answer
        var messageID = try await store.recordMessage(row, deliveries: deliveries, deliveryVerifications: consistency, checks: checks)
        result.calls = 1
        if Self.needsReAsk(checks) {
            row.id = nil
            row.spanID = TraceIDs.spanID()
            row.purpose = MessagePurpose.reAsk.rawValue
            messageID = try await store.recordMessage(row, deliveries: [], checks: checks)
            result.calls += 1
            result.verificationCalls += 1
        }
        result.output = AgentOutput(messageID: messageID, response: text, answer: answer, recordedCorrect: nil, checks: checks)
        return result
    }

    /// The provider named on an injected fault's messages.
    static let faultProvider = "fault-injected"
}
