import Foundation

extension Executor {
    /// A faulty agent's turn: no model is called; it sends its fault's message, recorded with provider
    /// `fault-injected` and purpose `fault`, and checked like any other. A re-ask gets the same message back.
    func actFaulty(
        _ fault: InjectedFault,
        step: Int,
        role: Role,
        receipts: [RunLedger.Receipt],
        run: RunContext
    ) async throws -> CallResult {
        var result = CallResult(agent: fault.agent)
        let text = FaultInjector.message(for: fault, task: run.task)
        let reading = await read(text, run: run)
        let (answer, checks) = (reading.answer, reading.checks)
        let ledger = run.ledger
        let model = run.plan.agents[fault.agent].model
        var message = ledger.recordFault(
            text: text,
            agent: fault.agent,
            step: step,
            role: role.name,
            model: model,
            purpose: .fault,
            answer: answer,
            checks: checks,
            receipts: receipts
        )
        result.calls = 1
        if Self.needsReAsk(checks) {
            message = ledger.recordFault(
                text: text,
                agent: fault.agent,
                step: step,
                role: role.name,
                model: model,
                purpose: .reAsk,
                answer: answer,
                checks: checks
            )
            result.calls += 1
            result.verificationCalls += 1
        }
        result.output = AgentOutput(
            message: message,
            response: text,
            answer: answer,
            recordedCorrect: nil,
            checks: checks,
            examination: reading.examination
        )
        return result
    }

    /// The provider named on an injected fault's messages.
    static let faultProvider = "fault-injected"
}
