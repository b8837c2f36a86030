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
        model: ModelSpec,
        messages: [ChatMessage],
        output: AgentOutput,
        context: CallContext,
        record turn: MessageRecord,
        run: RunContext,
        result: inout CallResult
    ) async throws -> AgentOutput {
        let followUp = PromptBuilder.reAsk(messages, reply: output.response, kind: run.task.answerKind)
        let attempt = await call(model: model, messages: followUp, context: context, deadline: run.deadline)
        let usage = attempt.response?.usage ?? TokenUsage()
        let cost = attempt.response?.cost(on: model) ?? 0
        let combined = attempt.response.map { output.response + "\n" + $0.content }
        let answer = combined.flatMap { AnswerExtractor.extract(from: $0, kind: run.task.answerKind) }
        var checks: [CheckResult] = []
        if let combined { checks = await check(combined, run: run) }

        var row = MessageRecord(
            runID: run.runID,
            step: turn.step,
            agentIndex: turn.agentIndex,
            role: turn.role,
            model: model.name,
            provider: providers.label(for: model),
            promptJSON: Self.json(followUp),
            parentSpanID: turn.parentSpanID,
            purpose: .reAsk
        )
        row.response = attempt.response?.content
        row.answer = answer
        row.promptTokens = usage.promptTokens
        row.completionTokens = usage.completionTokens
        row.tokensEstimated = usage.estimated
        row.costUSD = cost
        row.latencyMilliseconds = attempt.latencyMilliseconds
        row.startedAt = attempt.startedAt
        row.finishReason = attempt.response?.finishReason
        if attempt.response == nil {
            row.error = attempt.deadlineExceeded ? "deadline exceeded while re-asking" : Self.providerError(attempt.error, model: model).description
            row.recovery = "re-ask failed; the first reply stands"
        }
        let messageID = try await store.recordMessage(row, deliveries: [], checks: checks)
        result.calls += 1
        result.verificationCalls += 1
        result.verificationCostUSD += cost
        result.costUSD += cost
        result.usage = result.usage + usage
        guard let combined else { return output }
        return AgentOutput(messageID: messageID, response: combined, answer: answer, recordedCorrect: output.recordedCorrect, checks: checks)
    }
}
