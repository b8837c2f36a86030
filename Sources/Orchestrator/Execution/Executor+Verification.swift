import Foundation

extension Executor {
    /// What the executor reads from a message, once: its answer, and under the run's policy the checks'
    /// verdicts with the examination they came from (none when verification is off).
    struct Reading: Sendable {
        var answer: String?
        var checks: [CheckResult] = []
        var examination: MessageVerifier.Examination?
    }

    /// Reads a message: its answer and, under the run's policy, its checks. A code answer of a task with tests is
    /// also run against them.
    func read(_ response: String, run: RunContext) async -> Reading {
        let kind = run.task.answerKind
        var reading = Self.reading(of: response, kind: kind, query: run.task.query, policy: run.policy)
        if run.policy.checks, kind == .code, let tests = run.task.tests, let code = reading.answer {
            reading.checks.append(await CodeTestRunner.check(code: code, tests: tests))
        }
        return reading
    }

    /// What reading a message finds without running code: its answer and, under a checking policy, the checks'
    /// verdicts (the one reading of a message, for runs and for valuing plans on recorded outcomes).
    static func reading(of response: String, kind: AnswerKind, query: String, policy: VerificationPolicy) -> Reading {
        guard policy.checks else { return Reading(answer: AnswerExtractor.extract(from: response, kind: kind)) }
        let examination = MessageVerifier.examine(response: response, kind: kind, query: query)
        return Reading(answer: examination.answer, checks: examination.results, examination: examination)
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
        var attempt = try await caller.attempt(model: first.model, messages: followUp, context: context, deadline: run.deadline)
        let combined = attempt.response.map { output.response + "\n" + $0.content }
        let reading = await combined.asyncMap { await read($0, run: run) } ?? Reading()
        if attempt.response == nil {
            attempt.recovery = "re-ask failed; the first reply stands"
        }
        let message = run.ledger.record(
            attempt,
            agent: agent,
            step: step,
            role: role,
            purpose: .reAsk,
            answer: reading.answer,
            checks: reading.checks
        )
        result.calls += 1
        result.verificationCalls += 1
        result.verificationCostUSD += attempt.costUSD
        result.costUSD += attempt.costUSD
        result.usage = result.usage + attempt.usage
        guard let combined else { return output }
        return AgentOutput(
            message: message,
            model: output.model,
            response: combined,
            answer: reading.answer,
            recordedCorrect: output.recordedCorrect,
            checks: reading.checks,
            examination: reading.examination
        )
    }
}
