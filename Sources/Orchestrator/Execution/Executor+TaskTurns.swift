extension Executor {
    /// How a task's agents take their turns in the step loop: deliveries planned under the run's policy (disputes
    /// among differing answers), each turn a call through the `ModelCaller` (`act`), a cascade's later level gated
    /// by its escalation judge, and the budget and deadline checked before and after every step. Quarantined agents
    /// leave the graph.
    struct TaskTurns: TurnStrategy {
        let executor: Executor
        let run: RunContext

        var graph: AgentGraph { run.graph }
        var policy: VerificationPolicy { run.policy }
        var ledger: RunLedger { run.ledger }
        var quarantinedAgentsAct: Bool { false }

        func gate(before index: Int, step: AgentGraph.Step, latest: [Int: AgentOutput], spent: Double) async throws -> StepGate {
            var gate = StepGate.run
            if step.onlyWhenEscalated {
                guard let decision = try await executor.escalation(before: index, step: step, run: run, latest: latest) else {
                    return StepGate(end: .done(answering: nil))
                }
                gate.escalation = decision
                guard decision.escalates else {
                    gate.end = .done(answering: index > 0 ? run.graph.steps[index - 1].active : [decision.fromAgent])
                    return gate
                }
            }
            if let reason = executor.budgetStop(before: index, step: step, run: run, latest: latest, spent: spent) {
                gate.end = .stopped(reason: reason)
            }
            return gate
        }

        func deliveries(to agent: Int, in step: AgentGraph.Step, latest: [Int: AgentOutput], quarantined: Set<Int>) -> [Delivery] {
            let inputs = step.inputs(of: agent).compactMap { sender in latest[sender].map { (sender: sender, output: $0) } }
            return DeliveryPlanner.deliveries(from: inputs, policy: run.policy, quarantined: quarantined)
        }

        func turn(agent: Int, step index: Int, inbound: [Delivery], previous: AgentOutput?) async throws -> CallResult {
            let result = try await executor.act(agent: agent, step: index, deliveries: inbound, previous: previous, run: run)
            if let progress = run.progress {
                let planned = run.plan.agents.first { $0.index == agent }
                progress(
                    AgentProgress(
                        runID: run.runID,
                        step: index,
                        agent: agent,
                        role: planned?.role ?? "",
                        model: result.output?.model ?? planned?.model ?? "",
                        answer: result.output?.answer,
                        verdicts: (result.output?.checks ?? []).map { AgentProgress.Verdict(check: $0.check.rawValue, outcome: $0.outcome.rawValue) },
                        error: result.error
                    )
                )
            }
            return result
        }

        func stopReason(after index: Int, results: [CallResult], spent: Double) -> String? {
            if let deadlineHit = results.first(where: \.deadlineExceeded) {
                return
                    "deadline of \(ModelCaller.format(run.task.budget.deadlineSeconds ?? 0)) s reached during step \(index) (agent \(deadlineHit.agent))"
            }
            if let limit = run.task.budget.maxCostUSD, spent > limit, index < run.graph.steps.count - 1 {
                return "cost $\(ModelCaller.format(spent)) passed the budget of $\(ModelCaller.format(limit)) after step \(index)"
            }
            return nil
        }
    }
}

extension Executor.AgentOutput: TurnOutput {}

extension Delivery: InboundMessage {}
