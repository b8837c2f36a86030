import Foundation
import Logging

/// Runs AgentsNet problems: synchronous rounds in which every agent sends its neighbours a JSON object of
/// messages keyed by their names, then a final answer from the problem's valid options. The rounds are steps of
/// the one step loop (`StepLoop`, with `AgentsNetTurns` as its strategy); every message passes the verification
/// policy's checks before a neighbour sees it, and the run's ledger records everything.
public struct AgentsNetRunner: Sendable {
    public let store: TraceStore
    let providers: ProviderRegistry
    /// Shared by every run of this runner, so a model's concurrency and rate limits hold across them.
    let gates: ModelGates
    let retryPolicy: RetryPolicy
    let logger: Logger

    public init(store: TraceStore, providers: ProviderRegistry = ProviderRegistry(), retryPolicy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.store = store
        self.providers = providers
        gates = ModelGates(shared: store.sharedLimits)
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// Runs one problem on one graph through the step loop, as an `AgentsNetTurns` strategy. Throws for a fault
    /// outside the graph or when the store cannot record.
    public func run(_ setup: AgentsNetRun) async throws -> AgentsNetResult {
        let graph = setup.graph
        let faults = try Self.resolve(setup.faults, graph: graph, seed: setup.seed)
        let faultByAgent = Dictionary(uniqueKeysWithValues: faults.map { ($0.agent, $0) })
        let runID = TraceIDs.runID()
        let clock = ContinuousClock()
        let start = clock.now
        let rounds = setup.problem.rounds(on: graph, localRounds: setup.localRounds)
        var record = runRecord(runID: runID, setup: setup, rounds: rounds, faults: faults)
        let ledger = RunLedger(store: store, runID: runID, providers: providers)
        ledger.begin(record)
        let caller = ModelCaller(
            fleet: Fleet(name: "agentsnet", description: "the models of an AgentsNet run", models: [setup.model] + setup.fallbackModels),
            providers: providers,
            gates: gates,
            maxOutputTokens: setup.model.decoding.maxTokens ?? 512,
            retryPolicy: retryPolicy,
            logger: logger
        )
        let turns = AgentsNetTurns(setup: setup, caller: caller, ledger: ledger, faults: faults)
        ledger.recordAgents(
            graph.agents.indices.map { agent in
                AgentRecord(
                    runID: runID,
                    agentIndex: agent,
                    role: turns.role,
                    model: setup.model.name,
                    fallbackModelsJSON: JSONText.strings(setup.fallbackModels.map(\.name)),
                    spanID: TraceIDs.spanID(),
                    fault: faultByAgent[agent]?.kind.rawValue
                )
            }
        )

        let steps = try await StepLoop(strategy: turns).run()
        let answers = graph.agents.indices.map { steps.latest[$0]?.answer }
        let verification = steps.tally.verification
        let result = AgentsNetResult(
            runID: runID,
            problem: setup.problem,
            graph: graph.name,
            model: setup.model.name,
            policy: setup.policy,
            rounds: rounds,
            score: AgentsNetScorer.score(setup.problem, answers: answers, on: graph),
            answers: answers,
            faults: faults,
            flaggedMessages: verification.flaggedMessages,
            withheldDeliveries: verification.withheldDeliveries,
            quarantinedAgents: verification.quarantined,
            verificationCalls: verification.calls,
            verificationCostUSD: verification.costUSD,
            calls: steps.tally.calls,
            costUSD: steps.tally.costUSD,
            usage: steps.tally.usage
        )
        record.status = .completed
        record.answer = AgentsNetMessages.render(
            Dictionary(uniqueKeysWithValues: graph.agents.indices.map { (graph.agents[$0], answers[$0] ?? "(none)") })
        )
        record.score = result.score
        record.record(steps.tally)
        record.latencyMilliseconds = (clock.now - start).milliseconds
        record.finishedAt = Date()
        try await ledger.finish(record)
        return result
    }

    /// Faults as applied to the graph: a random target is drawn from the seed among agents not yet faulty.
    static func resolve(_ specs: [FaultSpec], graph: NetworkGraph, seed: UInt64) throws -> [InjectedFault] {
        let targets = try FaultInjector.targets(
            of: specs,
            agentCount: graph.order,
            eligible: Array(graph.agents.indices),
            holder: "graph",
            seed: seed,
            labels: ["agentsnet-fault", graph.name]
        )
        return zip(specs, targets).map { InjectedFault(agent: $1.agent, kind: $0.kind, answer: nil) }
    }

    private func runRecord(runID: String, setup: AgentsNetRun, rounds: Int, faults: [InjectedFault]) -> RunRecord {
        let task: [String: String] = [
            "benchmark": "agentsnet", "problem": setup.problem.rawValue, "graph": setup.graph.name, "rounds": String(rounds),
        ]
        var record = RunRecord(
            id: runID,
            taskID: "agentsnet-\(setup.problem.rawValue)-\(setup.graph.name)",
            query: setup.problem.goal,
            domain: Domain.general.rawValue,
            answerKind: AnswerKind.text.rawValue,
            expectedAnswer: nil,
            taskJSON: AgentsNetMessages.render(task),
            controllerVersion: "agentsnet",
            fleetName: setup.model.name,
            fleetHash: "",
            catalogHash: "",
            simulated: setup.model.provider == .simulated,
            seed: setup.seed,
            verificationPolicy: setup.policy
        )
        record.topology = "agentsnet:\(setup.graph.name)"
        record.agentCount = setup.graph.order
        record.faultsJSON = try? InjectedFault.json(faults)
        return record
    }
}
