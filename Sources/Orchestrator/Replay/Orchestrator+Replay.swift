import Foundation

/// A stored plan to execute again, and the run it comes from.
struct ReplaySource: Sendable {
    var runID: String
    var plan: Plan
    var controllerTemperature: Double
}

/// A stored run executed again with its recorded responses, and what came out differently.
public struct ReplayOutcome: Sendable {
    /// One figure that differs between the stored run and the replay.
    public struct Change: Sendable, Equatable, Codable {
        public var field: String
        public var before: String
        public var after: String
    }

    /// The stored run.
    public var original: RunTrace
    /// The replay, recorded as a run of its own with `replayOf` set.
    public var replay: RunResult
    /// What differs; empty when the replay reproduced the run.
    public var changes: [Change]
    /// Calls the replay asked for that the stored run never made (they failed as `unavailable`).
    public var misses: [ReplayProvider.Miss]
}

extension Orchestrator {
    /// Executes a stored run's plan again with its recorded responses — no model is called — under another
    /// verification policy, aggregation or cascade escalation rule when given (else the run's own; the escalation
    /// rule is this orchestrator's), records the replay as a new run
    /// whose `replayOf` names the original, and lists what changed. With nothing changed, a run whose agents did
    /// not depend on timing reproduces its answer.
    public func replay(
        _ original: RunTrace,
        verification policy: VerificationPolicy? = nil,
        aggregation: Topology.Aggregation? = nil,
        escalation: EscalationPolicy.Rule? = nil
    ) async throws -> ReplayOutcome {
        let run = original.run
        let task: OrchestrationTask
        do {
            task = try run.task()
        } catch {
            throw ReplayError(runID: run.id, message: "its stored task cannot be read (\(error))")
        }
        guard let seed = UInt64(run.seed) else { throw ReplayError(runID: run.id, message: "its seed '\(run.seed)' is not a number") }
        var plan = try Plan.stored(in: original, task: task, catalog: catalog)
        if let aggregation { plan.aggregation = aggregation }
        for agent in plan.agents where catalog.fleet.model(named: agent.model) == nil {
            throw ReplayError(runID: run.id, message: "model '\(agent.model)' of agent \(agent.index) is not in the fleet \(catalog.fleet.name)")
        }
        let provider = ReplayProvider(messages: original.messages)
        var replayer = with(verification: policy ?? VerificationPolicy(rawValue: run.verificationPolicy) ?? .off)
        if let escalation { replayer = replayer.with(escalation: escalation) }
        replayer.executor = executor.with(providers: ProviderRegistry(everyModel: provider, label: "replay"))
        let result = try await replayer.perform(
            task,
            seed: seed,
            replaying: ReplaySource(runID: run.id, plan: plan, controllerTemperature: run.controllerTemperature)
        )
        return ReplayOutcome(
            original: original,
            replay: result,
            changes: Self.changes(from: original, to: result),
            misses: await provider.misses
        )
    }

    /// The figures of a stored run and its replay that differ.
    static func changes(from original: RunTrace, to replay: RunResult) -> [ReplayOutcome.Change] {
        let run = original.run
        func text(_ value: Double?) -> String { value.map { String(format: "%g", $0) } ?? "—" }
        func escalations(_ decisions: [Bool]) -> String {
            decisions.isEmpty ? "—" : decisions.map { $0 ? "escalated" : "stopped" }.joined(separator: ", ")
        }
        var pairs: [(String, String, String)] = [
            ("status", run.status.rawValue, replay.status.rawValue),
            ("answer", run.answer ?? "—", replay.answer ?? "—"),
            ("score", text(run.score), text(replay.score)),
            ("flagged messages", String(run.flaggedMessages), String(replay.verification.flaggedMessages)),
            ("withheld deliveries", String(run.withheldDeliveries), String(replay.verification.withheldDeliveries)),
            ("quarantined agents", String(run.quarantinedAgents), String(replay.verification.quarantinedAgents.count)),
            ("re-asks", String(run.verificationCalls), String(replay.verification.calls)),
            ("propagation", text(run.propagationRate), text(replay.verification.propagationRate)),
            ("cost USD", String(format: "%.6f", run.costUSD), String(format: "%.6f", replay.costUSD)),
            ("escalations", escalations(original.escalations.map(\.escalated)), escalations(replay.escalations.map(\.escalates))),
            ("tokens", String(run.promptTokens + run.completionTokens), String(replay.usage.totalTokens)),
        ]
        let finalAnswers = Dictionary(
            original.messages.filter { $0.error == nil }.map { ($0.agentIndex, $0.answer) },
            uniquingKeysWith: { _, last in last }
        )
        for agent in replay.agentAnswers {
            pairs.append(("agent \(agent.index) answer", (finalAnswers[agent.index] ?? nil) ?? "—", agent.answer ?? "—"))
        }
        return pairs.filter { $0.1 != $0.2 }.map { ReplayOutcome.Change(field: $0.0, before: $0.1, after: $0.2) }
    }
}
