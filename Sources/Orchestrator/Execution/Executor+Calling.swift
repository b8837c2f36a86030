import Foundation
import Logging

extension Executor {
    /// One agent's turn in one step. Its neighbours' messages arrive with their verdicts (withheld ones as a
    /// notice only). Its model is called through the `ModelCaller` (retried, and replaced by the next model the
    /// controller ranked when it still fails); every attempt is staged in the run's ledger the moment it ends, with its verdicts.
    /// The reply is checked under the run's policy, with one re-ask when it has no readable answer. A faulty
    /// agent sends its fault instead of calling a model.
    func act(agent: Int, step: Int, deliveries delivered: [Delivery], previous: AgentOutput?, run: RunContext) async throws -> CallResult {
        let planned = run.plan.agents[agent]
        var result = CallResult(agent: agent)
        guard let role = catalog.role(named: planned.role) else {
            result.error = "agent \(agent): role '\(planned.role)' is missing from the catalogue"
            return result
        }
        let context = CallContext(
            taskID: run.task.id,
            query: run.task.query,
            domain: run.plan.domain,
            answerKind: run.task.answerKind,
            expected: run.task.expected,
            role: role,
            agentIndex: agent,
            step: step,
            neighbours: delivered.map {
                NeighbourMessage(
                    sender: $0.sender,
                    response: $0.verdict.isDelivered ? $0.output.response : nil,
                    answer: $0.verdict.isDelivered ? $0.output.answer : nil,
                    verdict: $0.verdict
                )
            },
            seed: run.seed
        )
        // Deliveries (and the consistency verdicts of disputed ones) go with the turn's first recorded attempt.
        var receipts = delivered.map(\.receipt)
        if let fault = run.faults[agent] {
            return try await actFaulty(fault, step: step, role: role, receipts: receipts, run: run)
        }
        let ledger = run.ledger
        let inputs = delivered.map {
            PromptBuilder.Input(
                sender: run.plan.agents[$0.sender],
                response: $0.output.response,
                answer: $0.output.answer,
                verdict: $0.verdict,
                detail: $0.detail
            )
        }
        let call = try await caller.call(
            candidates: [planned.model] + planned.fallbackModels.prefix(caller.retryPolicy.maxFallbacks),
            messages: { model in
                PromptBuilder.messages(
                    role: role,
                    task: run.task,
                    kind: run.task.answerKind,
                    style: run.topology.style,
                    inputs: inputs,
                    ownPrevious: previous?.response,
                    examples: model.fewShotExamples,
                    framing: run.framing,
                    receiver: agent,
                    step: step,
                    briefInputs: run.topology.isCascade
                )
            },
            context: context,
            deadline: run.deadline,
            health: run.health,
            metadata: ["run": "\(run.runID)", "agent": "\(agent)"]
        ) { attempt in
            // A recorded outcome without text gives nothing to read: no answer, no checks.
            let reading = await attempt.response.asyncMap { $0.textRecorded ? await read($0.content, run: run) : Reading() } ?? Reading()
            let message = ledger.record(
                attempt,
                agent: agent,
                step: step,
                role: role.name,
                answer: reading.answer,
                checks: reading.checks,
                receipts: receipts
            )
            receipts = []
            return AgentOutput(
                message: message,
                model: attempt.model.name,
                response: attempt.response?.content ?? "",
                answer: reading.answer,
                recordedCorrect: attempt.response?.recordedCorrect,
                textRecorded: attempt.response?.textRecorded ?? true,
                checks: reading.checks,
                examination: reading.examination
            )
        }
        result.add(call)
        guard let (attempt, output) = call.answered else {
            result.error = call.error.map { "agent \(agent): \($0)" }
            return result
        }
        result.output = output
        // A recording answers the same again: asking it twice cannot help.
        if Self.needsReAsk(output.checks) && attempt.model.provider != .recorded {
            result.output = try await reAsk(
                attempt,
                output: output,
                context: context,
                agent: agent,
                step: step,
                role: role.name,
                run: run,
                result: &result
            )
        }
        return result
    }
}

extension Optional {
    /// The value transformed by an async function, or nil.
    func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
