import Foundation

extension Executor {
    /// The checks of a message under the run's policy; none when verification is off. A code answer of a task
    /// with tests is also run against them.
    func check(_ response: String, run: RunContext) async -> [CheckResult] {
        guard run.policy.checks else { return [] }
        var results = MessageVerifier.check(response: response, kind: run.task.answerKind, query: run.task.query)
        if run.task.answerKind == .code, let tests = run.task.tests,
            let code = AnswerExtractor.extract(from: response, kind: .code)
        {
            results.append(await CodeTestRunner.check(code: code, tests: tests))
        }
        return results
    }

    /// Whether a message had no readable answer, so its sender gets one bounded re-ask.
    static func needsReAsk(_ checks: [CheckResult]) -> Bool {
        checks.contains { $0.check == .format && $0.outcome == .failed }
    }

    /// Asks the sender once more, for the answer line alone, after a reply with no readable answer. The call is
    /// recorded with purpose `re-ask` and counted as a verification call; its reply is appended to the first
    /// and the whole is checked again. When the call fails, the first reply stands, still failing.
    func reAsk(
        _ first: CallAttempt,
        output: AgentOutput,
        context: CallContext,
        agent: Int,
        step: Int,
        role: String,
        run: RunContext,
        result: inout CallResult
    ) async throws -> AgentOutput {
        let followUp = PromptBuilder.reAsk(first.messages, reply: output.response, kind: run.task.answerKind)
        var attempt = await caller.attempt(model: first.model, messages: followUp, context: context, deadline: run.deadline)
        let combined = attempt.response.map { output.response + "\n" + $0.content }
        let answer = combined.flatMap { AnswerExtractor.extract(from: $0, kind: run.task.answerKind) }
        let checks = await combined.asyncMap { await check($0, run: run) } ?? []
        if attempt.response == nil {
            attempt.recovery = "re-ask failed; the first reply stands"
        }
        let messageID = try await ledger(for: run).record(
            attempt,
            agent: agent,
            step: step,
            role: role,
            purpose: .reAsk,
            answer: answer,
            checks: checks
        )
        result.calls += 1
        result.verificationCalls += 1
        result.verificationCostUSD += attempt.costUSD
        result.costUSD += attempt.costUSD
        result.usage = result.usage + attempt.usage
        guard let combined else { return output }
        return AgentOutput(
            messageID: messageID,
            model: output.model,
            response: combined,
            answer: answer,
            recordedCorrect: output.recordedCorrect,
            checks: checks
        )
    }
}
