/// The one loop every run's agents take their turns in, whatever the strategy: for each step of the graph, the
/// strategy's gate, each active agent's deliveries (those kept back counted), the agents' turns concurrently,
/// then the tally (usage, calls, verification) and quarantine after repeated failed checks, recorded in the ledger.
struct StepLoop<Strategy: TurnStrategy>: Sendable {
    let strategy: Strategy

    /// Where the steps left the run.
    struct Outcome: Sendable {
        /// Each agent's latest message.
        var latest: [Int: Strategy.Output] = [:]
        /// What the turns cost and what verification did.
        var tally = RunTally()
        /// The first turn's error that gave no message.
        var firstError: String?
        /// Why the run stopped early (budget, deadline); nil when it was not stopped.
        var stopReason: String?
        /// A cascade's decisions, one per level judged.
        var escalations: [EscalationDecision] = []
        /// Whose answers count when a gate ended the run early; nil for the graph's answering agents.
        var answering: [Int]?
    }

    /// Runs the steps. Throws only what the strategy's turns throw (the trace store cannot record).
    func run() async throws -> Outcome {
        var outcome = Outcome()
        var strikes = QuarantineStrikes(policy: strategy.policy)
        steps: for (index, step) in strategy.graph.steps.enumerated() {
            if Task.isCancelled {
                outcome.stopReason = RunStatus.cancellationReason
                break steps
            }
            let gate = try await strategy.gate(before: index, step: step, latest: outcome.latest, spent: outcome.tally.costUSD)
            if let decision = gate.escalation { outcome.escalations.append(decision) }
            switch gate.end {
            case .stopped(let reason)?:
                outcome.stopReason = reason
                break steps
            case .done(let answering)?:
                outcome.answering = answering
                break steps
            case nil:
                break
            }
            let quarantined = Set(outcome.tally.verification.quarantined)
            var inbound: [Int: [Strategy.Inbound]] = [:]
            for agent in step.active where strategy.quarantinedAgentsAct || !quarantined.contains(agent) {
                let delivered = strategy.deliveries(to: agent, in: step, latest: outcome.latest, quarantined: quarantined)
                outcome.tally.verification.withheldDeliveries += delivered.filter { !$0.verdict.isDelivered }.count
                inbound[agent] = delivered
            }
            let latest = outcome.latest
            let results = try await withThrowingTaskGroup(of: TurnResult<Strategy.Output>.self) { group in
                for agent in inbound.keys.sorted() {
                    let delivered = inbound[agent] ?? []
                    let previous = latest[agent]
                    group.addTask { [strategy] in
                        try await strategy.turn(agent: agent, step: index, inbound: delivered, previous: previous)
                    }
                }
                var results: [TurnResult<Strategy.Output>] = []
                for try await result in group {
                    results.append(result)
                }
                return results.sorted { $0.agent < $1.agent }
            }
            for result in results {
                outcome.add(result)
                guard let output = result.output else { continue }
                if strikes.count(agent: result.agent, checks: output.checks) {
                    outcome.tally.verification.quarantined.append(result.agent)
                    strategy.ledger.recordQuarantine(agent: result.agent, step: index + 1)
                }
            }
            if let reason = strategy.stopReason(after: index, results: results, spent: outcome.tally.costUSD) {
                outcome.stopReason = reason
                break
            }
        }
        return outcome
    }
}

extension StepLoop.Outcome {
    /// Counts one turn: its calls, usage and cost, its verification, and its message as the agent's latest.
    mutating func add(_ result: TurnResult<Strategy.Output>) {
        tally.usage = tally.usage + result.usage
        tally.costUSD += result.costUSD
        tally.calls += result.calls
        tally.retries += result.retries
        tally.fallbacks += result.fallbacks
        tally.verification.calls += result.verificationCalls
        tally.verification.costUSD += result.verificationCostUSD
        if let output = result.output {
            latest[result.agent] = output
            if output.checks.hasDoubt { tally.verification.flaggedMessages += 1 }
        } else if firstError == nil {
            firstError = result.error
        }
    }
}
