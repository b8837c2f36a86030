import Foundation
import Logging

/// Runs AgentsNet problems: synchronous rounds in which every agent sends its neighbours a JSON object of
/// messages keyed by their names, then a final answer from the problem's valid options. Every message passes
/// the verification policy's checks before a neighbour sees it, and everything goes to the trace store.
public struct AgentsNetRunner: Sendable {
    public let store: TraceStore
    let providers: ProviderRegistry
    /// Shared by every run of this runner, so a model's concurrency and rate limits hold across them.
    let gates = ModelGates()
    let retryPolicy: RetryPolicy
    let logger: Logger

    public init(store: TraceStore, providers: ProviderRegistry = ProviderRegistry(), retryPolicy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.store = store
        self.providers = providers
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The one model-calling path and run ledger, for one run.
    struct Kernel: Sendable {
        var caller: ModelCaller
        var ledger: RunLedger
        /// Models that failed for good in this run.
        var health = ModelHealth()
    }

    /// A neighbour's message as one receiver gets it.
    struct Inbound {
        var sender: Int
        var message: RunLedger.MessageKey
        var text: String
        var claims: [String: String]
        var verdict: DeliveryVerdict
        var detail: String?
    }

    /// What one agent produced in one round.
    struct Turn {
        var agent: Int
        var response: String
        var outgoing: [String: String]?
        var answer: String?
        var rows: [MessageRecord]
        var checks: [CheckResult]
        var calls = 0
        var verificationCalls = 0
        var verificationCostUSD = 0.0
        var costUSD = 0.0
        var usage = TokenUsage()
    }

    /// Runs one problem on one graph. Throws for a fault outside the graph or when the store cannot record.
    public func run(_ setup: AgentsNetRun) async throws -> AgentsNetResult {
        let graph = setup.graph
        let simulation = AgentsNetSimulation(problem: setup.problem, graph: graph, seed: setup.seed)
        let framing = MessageFraming()
        let verifier = AgentsNetVerifier(simulation: simulation)
        let rounds = setup.problem.rounds(on: graph, localRounds: setup.localRounds)
        let faults = try Self.resolve(setup.faults, graph: graph, seed: setup.seed)
        let faultByAgent = Dictionary(uniqueKeysWithValues: faults.map { ($0.agent, $0) })
        let runID = UUID().uuidString.lowercased()
        let clock = ContinuousClock()
        let start = clock.now
        var record = runRecord(runID: runID, setup: setup, rounds: rounds, faults: faults)
        let ledger = RunLedger(store: store, runID: runID, providers: providers)
        ledger.begin(record)
        let spans = graph.agents.map { _ in TraceIDs.spanID() }
        let kernel = Kernel(
            caller: ModelCaller(
                fleet: Fleet(name: "agentsnet", description: "the models of an AgentsNet run", models: [setup.model] + setup.fallbackModels),
                providers: providers,
                gates: gates,
                maxOutputTokens: setup.model.decoding.maxTokens ?? 512,
                retryPolicy: retryPolicy,
                logger: logger
            ),
            ledger: ledger
        )
        ledger.recordAgents(
            graph.agents.indices.map { agent in
                AgentRecord(
                    runID: runID,
                    agentIndex: agent,
                    role: "agentsnet.\(setup.problem.rawValue)",
                    model: setup.model.name,
                    fallbackModelsJSON: JSONText.strings(setup.fallbackModels.map(\.name)),
                    spanID: spans[agent],
                    fault: faultByAgent[agent]?.kind.rawValue
                )
            }
        )

        var states = graph.agents.indices.map(simulation.initialState(of:))
        var conversations = graph.agents.indices.map { agent in
            [
                ChatMessage(
                    role: .system,
                    content: AgentsNetPrompts.system(setup.problem, graph: graph, agent: agent, rounds: rounds, simulation: simulation)
                )
            ]
        }
        var latest: [Int: Turn] = [:]
        var latestMessages: [Int: RunLedger.MessageKey] = [:]
        var strikes = QuarantineStrikes(policy: setup.policy)
        var result = AgentsNetResult(
            runID: runID,
            problem: setup.problem,
            graph: graph.name,
            model: setup.model.name,
            policy: setup.policy,
            rounds: rounds,
            score: 0,
            answers: graph.agents.map { _ in nil },
            faults: faults,
            flaggedMessages: 0,
            withheldDeliveries: 0,
            quarantinedAgents: [],
            verificationCalls: 0,
            verificationCostUSD: 0,
            calls: 0,
            costUSD: 0,
            usage: TokenUsage()
        )

        for round in 0...rounds {
            let final = round == rounds
            var inbound: [Int: [Inbound]] = [:]
            for agent in graph.agents.indices {
                inbound[agent] = deliveries(
                    to: agent,
                    latest: latest,
                    messages: latestMessages,
                    states: states,
                    quarantined: Set(strikes.quarantined),
                    policy: setup.policy,
                    verifier: verifier
                )
                result.withheldDeliveries += (inbound[agent] ?? []).filter { !$0.verdict.isDelivered }.count
            }
            var turns: [Turn] = []
            for agent in graph.agents.indices {
                let heard = (inbound[agent] ?? []).filter { [.unchecked, .verified, .disputed].contains($0.verdict) }
                if round > 0 {
                    states[agent] = simulation.update(
                        agent,
                        state: states[agent],
                        heard: Dictionary(uniqueKeysWithValues: heard.map { ($0.sender, $0.claims) }),
                        cut: Set((inbound[agent] ?? []).filter { ![.unchecked, .verified, .disputed].contains($0.verdict) }.map(\.sender))
                    )
                }
            }
            try await withThrowingTaskGroup(of: Turn.self) { group in
                for agent in graph.agents.indices {
                    let context = TurnContext(
                        agent: agent,
                        round: round,
                        final: final,
                        inbound: inbound[agent] ?? [],
                        state: states[agent],
                        conversation: conversations[agent],
                        fault: faultByAgent[agent],
                        parentSpanID: spans[agent],
                        framing: framing
                    )
                    group.addTask {
                        try await act(context, setup: setup, simulation: simulation, verifier: verifier, kernel: kernel)
                    }
                }
                for try await turn in group { turns.append(turn) }
            }
            for turn in turns.sorted(by: { $0.agent < $1.agent }) {
                let receipts = (inbound[turn.agent] ?? []).map {
                    RunLedger.Receipt(sender: $0.sender, message: $0.message, verdict: $0.verdict, detail: $0.detail)
                }
                var lastMessage: RunLedger.MessageKey?
                for (index, row) in turn.rows.enumerated() {
                    let isLast = index == turn.rows.count - 1
                    lastMessage = kernel.ledger.stage(row, receipts: index == 0 ? receipts : [], checks: isLast ? turn.checks : [])
                }
                if let last = turn.rows.last, last.response != nil {
                    conversations[turn.agent] = Self.conversation(after: last)
                }
                result.calls += turn.calls
                result.verificationCalls += turn.verificationCalls
                result.verificationCostUSD += turn.verificationCostUSD
                result.costUSD += turn.costUSD
                result.usage = result.usage + turn.usage
                if turn.checks.hasDoubt { result.flaggedMessages += 1 }
                if final {
                    result.answers[turn.agent] = turn.answer
                    continue
                }
                latest[turn.agent] = turn
                latestMessages[turn.agent] = lastMessage
                if strikes.count(agent: turn.agent, checks: turn.checks) {
                    kernel.ledger.recordQuarantine(agent: turn.agent, step: round + 1)
                }
            }
        }

        result.quarantinedAgents = strikes.quarantined
        result.score = AgentsNetScorer.score(setup.problem, answers: result.answers, on: graph)
        record.status = .completed
        record.answer = AgentsNetMessages.render(
            Dictionary(uniqueKeysWithValues: graph.agents.indices.map { (graph.agents[$0], result.answers[$0] ?? "(none)") })
        )
        record.score = result.score
        record.costUSD = result.costUSD
        record.promptTokens = result.usage.promptTokens
        record.completionTokens = result.usage.completionTokens
        record.tokensEstimated = result.usage.estimated
        record.flaggedMessages = result.flaggedMessages
        record.withheldDeliveries = result.withheldDeliveries
        record.quarantinedAgents = strikes.quarantined.count
        record.verificationCalls = result.verificationCalls
        record.verificationCostUSD = result.verificationCostUSD
        record.latencyMilliseconds = (clock.now - start).milliseconds
        record.finishedAt = Date()
        try await ledger.finish(record)
        return result
    }

    /// What each neighbour's latest message to `agent` is, with its verdict under the policy.
    private func deliveries(
        to agent: Int,
        latest: [Int: Turn],
        messages: [Int: RunLedger.MessageKey],
        states: [AgentsNetSimulation.State],
        quarantined: Set<Int>,
        policy: VerificationPolicy,
        verifier: AgentsNetVerifier
    ) -> [Inbound] {
        let graph = verifier.graph
        let name = graph.agents[agent]
        var result: [Inbound] = []
        for sender in graph.neighbours[agent] {
            guard let turn = latest[sender], let message = messages[sender] else { continue }
            let text = turn.outgoing?[name] ?? (turn.outgoing == nil ? turn.response : "")
            guard !text.isEmpty else { continue }
            let (verdict, detail) = DeliveryPlanner.verdict(of: turn.checks, senderQuarantined: quarantined.contains(sender), policy: policy)
            result.append(
                Inbound(
                    sender: sender,
                    message: message,
                    text: text,
                    claims: AgentsNetMessages.claims(in: text),
                    verdict: verdict,
                    detail: detail
                )
            )
        }
        guard policy.checks else { return result }
        let leaders = Set(result.filter { $0.verdict == .verified }.compactMap { $0.claims["leader"] })
        for index in result.indices where result[index].verdict == .verified {
            if let conflict = verifier.conflict(
                receiver: agent,
                sender: result[index].sender,
                own: states[agent],
                claims: result[index].claims,
                otherLeaders: leaders
            ) {
                result[index].verdict = .disputed
                result[index].detail = conflict
            }
        }
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

    /// The conversation an agent has after a recorded call: the prompt sent and the reply.
    static func conversation(after row: MessageRecord) -> [ChatMessage] {
        let sent = (try? JSONDecoder().decode([ChatMessage].self, from: Data(row.promptJSON.utf8))) ?? []
        return sent + [ChatMessage(role: .assistant, content: row.response ?? "")]
    }
}
