import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// AgentsNet runs: simulated agents on the frozen graphs, faults and checks, the trace, and the real-model path.
@Suite(.timeLimit(.minutes(5))) struct AgentsNetRunnerTests {
    static let families = ["small-world", "scale-free", "delaunay"]

    static func graph(_ name: String) throws -> NetworkGraph {
        try NetworkGraph.load(path: TestSupport.workflows + "/graphs/\(name).json")
    }

    static func runner(providers: ProviderRegistry = ProviderRegistry()) throws -> AgentsNetRunner {
        AgentsNetRunner(store: try TraceStore.inMemory(), providers: providers, logger: TestSupport.logger)
    }

    static let simulated = TestSupport.simulatedModel("sim-a", latency: 0)

    @Test(.exclusive) func honestSimulatedAgentsSolveTheGlobalProblemsAndAreNeverFlagged() async throws {
        let runner = try Self.runner()
        for family in Self.families {
            for size in [4, 8, 16] {
                let graph = try Self.graph("\(family)-\(size)")
                for problem in AgentsNetProblem.allCases {
                    let result = try await runner.run(
                        AgentsNetRun(problem: problem, graph: graph, model: Self.simulated, policy: .checkAndQuarantine, seed: 5)
                    )
                    #expect(result.flaggedMessages == 0, "\(problem) on \(graph.name): honest protocol messages must pass every check")
                    #expect(result.answers.allSatisfy { $0 != nil })
                    if problem == .leaderElection || problem == .consensus {
                        #expect(result.score == 1, "\(problem) on \(graph.name) in \(result.rounds) rounds")
                    }
                }
            }
        }
    }

    @Test func aFabricatedLeaderBreaksTheElectionUnlessMessagesAreChecked() async throws {
        let runner = try Self.runner()
        let graph = try Self.graph("scale-free-8")
        var off: [Double] = []
        var checked: [Double] = []
        for seed in UInt64(0)..<6 {
            var setup = AgentsNetRun(
                problem: .leaderElection,
                graph: graph,
                model: Self.simulated,
                policy: .off,
                faults: [FaultSpec(target: .random, kind: .wrongAnswer)],
                seed: seed
            )
            off.append(try await runner.run(setup).score)
            setup.policy = .checkAndQuarantine
            let result = try await runner.run(setup)
            checked.append(result.score)
            #expect(result.quarantinedAgents == result.faults.map(\.agent))
            let verdicts = try await runner.store.verifications(runID: result.runID)
            #expect(verdicts.contains { $0.checkName == "claims" && $0.outcome == "failed" && $0.detail.contains("Zephyrine, who is not an agent") })
        }
        #expect(off.allSatisfy { $0 == 0 }, "everyone follows the invented leader, so nobody says Yes: \(off)")
        #expect(checked.reduce(0, +) > off.reduce(0, +) + 3, "checked \(checked) vs off \(off)")
    }

    @Test func everyRoundIsTracedWithMessagesKeyedByNeighbourAndVerdictsPerDelivery() async throws {
        let runner = try Self.runner()
        let graph = try Self.graph("delaunay-8")
        let result = try await runner.run(
            AgentsNetRun(
                problem: .colouring,
                graph: graph,
                model: Self.simulated,
                policy: .check,
                faults: [FaultSpec(target: .agent(2), kind: .garbage)],
                seed: 1
            )
        )
        #expect(result.rounds == 4)
        let store = runner.store
        let run = try #require(try await store.run(id: result.runID))
        #expect(run.topology == "agentsnet:delaunay-8" && run.status == .completed && run.score == result.score)
        let rows = try await store.messages(runID: result.runID)
        let turns = rows.filter { $0.purpose != "re-ask" }
        #expect(turns.count == graph.order * (result.rounds + 1))
        for row in turns where row.step < result.rounds && row.agentIndex != 2 {
            let outgoing = try #require(AgentsNetMessages.outgoing(in: row.response ?? ""))
            #expect(Set(outgoing.keys) == Set(graph.neighbours[row.agentIndex].map { graph.agents[$0] }))
        }
        #expect(rows.filter { $0.agentIndex == 2 && $0.purpose == "re-ask" }.count == result.rounds, "garbage is re-asked once a round")
        let garbage = rows.filter { $0.agentIndex == 2 && $0.step < result.rounds }
        let verdicts = try await store.verifications(runID: result.runID)
        #expect(garbage.count == 2 * result.rounds)
        for row in garbage {
            #expect(
                verdicts.contains { $0.messageID == row.id && $0.checkName == "format" && $0.outcome == "failed" },
                "the \(row.purpose) of round \(row.step) keeps the check it failed"
            )
        }
        let deliveries = try await store.deliveries(runID: result.runID)
        #expect(deliveries.filter { $0.step == 1 }.count == 2 * graph.edges.count)
        #expect(deliveries.filter { $0.senderIndex == 2 }.allSatisfy { $0.verdict == "unverified" })
        #expect(deliveries.filter { $0.senderIndex != 2 }.allSatisfy { ["verified", "disputed"].contains($0.verdict) })
        let agents = try await store.agents(runID: result.runID)
        #expect(agents[2].fault == "garbage")
    }

    /// A real-model stand-in that answers AgentsNet's prompts: prose first (no JSON), JSON when asked again,
    /// and `Yes` at the end only for Ada.
    struct ScriptedModel: LLMProvider {
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            let system = request.messages.first?.content ?? ""
            let name = system.components(separatedBy: "Your name is ").last?.components(separatedBy: " ").first ?? "?"
            let neighbours =
                system.components(separatedBy: "neighbours: ").dropFirst().first?.components(separatedBy: ". ").first?
                .components(separatedBy: ", ") ?? []
            let last = request.messages.last?.content ?? ""
            let content: String
            if last.contains("Final Answer") {
                content = "I think it over.\n### Final Answer ### \(name == "Ada" ? "Yes" : "No")"
            } else if last.contains("What are the first messages") {
                content = "Hello everyone, let us elect Ada."
            } else {
                let object = Dictionary(uniqueKeysWithValues: neighbours.map { ($0, "I vote for Ada.") })
                content = "Thinking.\n" + AgentsNetMessages.render(object)
            }
            return ChatResponse(content: content, usage: TokenUsage(promptTokens: 50, completionTokens: 10), finishReason: "stop")
        }
    }

    @Test func realModelsGetAgentsNetPromptsAndOneReAskForUnreadableMessages() async throws {
        var providers = ProviderRegistry()
        providers.register(ScriptedModel(), for: .openai)
        let runner = try Self.runner(providers: providers)
        let model = ModelSpec(
            name: "scripted",
            provider: .openai,
            modelID: "scripted",
            endpoint: "http://127.0.0.1:9/v1",
            inputPricePerMillion: 1,
            outputPricePerMillion: 2,
            description: "scripted stand-in"
        )
        let graph = try Self.graph("small-world-4")
        let result = try await runner.run(AgentsNetRun(problem: .leaderElection, graph: graph, model: model, policy: .check, seed: 3))
        #expect(result.rounds == 3)
        #expect(result.answers == ["Yes", "No", "No", "No"] && result.score == 1)
        #expect(result.verificationCalls == graph.order, "round 0's prose is re-asked once per agent")
        #expect(abs(result.verificationCostUSD - Double(graph.order) * 70 / 1_000_000) < 1e-12)
        let rows = try await runner.store.messages(runID: result.runID)
        #expect(rows.count == graph.order * (result.rounds + 1) + graph.order)
        let reAsk = try #require(rows.first { $0.purpose == "re-ask" })
        #expect(reAsk.promptJSON.contains("could not be read as a JSON object"))
        let finalPrompt = try #require(rows.first { $0.step == result.rounds && $0.agentIndex == 0 }?.promptJSON)
        #expect(finalPrompt.contains("I vote for Ada.") && finalPrompt.contains("[verified]") && finalPrompt.contains("Are you the leader?"))
    }

    /// Fails three calls in ten in a retryable way (a 429, a 500 or an unusable reply, in turn) and counts the calls
    /// in flight.
    actor FlakyModel: LLMProvider {
        let inner = ScriptedModel()
        private var calls = 0
        private var inFlight = 0
        private(set) var peak = 0
        private(set) var failures = 0

        nonisolated func complete(_ request: ChatRequest) async throws -> ChatResponse {
            let number = await begin()
            try? await Task.sleep(for: .milliseconds(5))
            await end()
            if [3, 6, 9].contains(number % 10) {
                await failed()
                let kinds: [(ProviderError.Kind, Int?)] = [(.rateLimited, 429), (.failed, 500), (.invalidResponse, nil)]
                let (kind, status) = kinds[(number % 10) / 3 - 1]
                throw ProviderError(kind: kind, model: request.model.name, message: "flaky", isRetryable: true, httpStatus: status)
            }
            return try await inner.complete(request)
        }

        private func begin() -> Int {
            calls += 1
            inFlight += 1
            peak = max(peak, inFlight)
            return calls
        }

        private func end() { inFlight -= 1 }
        private func failed() { failures += 1 }
    }

    /// AgentsNet's calls take the one model-calling path: retried past a third of them failing, within the model's
    /// concurrency limit, every attempt in the trace.
    @Test func agentsNetCallsAreRetriedAndKeepTheModelsConcurrencyLimit() async throws {
        let flaky = FlakyModel()
        var providers = ProviderRegistry()
        providers.register(flaky, for: .openai)
        let runner = AgentsNetRunner(
            store: try TraceStore.inMemory(),
            providers: providers,
            retryPolicy: RetryPolicy(baseDelaySeconds: 0.001, maxDelaySeconds: 0.002),
            logger: TestSupport.logger
        )
        let model = ModelSpec(
            name: "scripted",
            provider: .openai,
            modelID: "scripted",
            endpoint: "http://127.0.0.1:9/v1",
            inputPricePerMillion: 1,
            outputPricePerMillion: 2,
            description: "scripted stand-in",
            limits: ModelLimits(concurrency: 2, maxRetries: 8)
        )
        let graph = try Self.graph("small-world-8")
        let result = try await runner.run(AgentsNetRun(problem: .leaderElection, graph: graph, model: model, policy: .check, seed: 3))
        #expect(result.score == 1, "every agent answered despite the failures")
        let peak = await flaky.peak
        let failures = await flaky.failures
        #expect(peak <= 2 && peak >= 1, "peak \(peak) calls in flight")
        #expect(failures > 10)
        let rows = try await runner.store.messages(runID: result.runID)
        let failed = rows.filter { $0.error != nil }
        #expect(failed.count == failures, "every failed attempt is a row")
        #expect(failed.allSatisfy { ($0.recovery ?? "").hasPrefix("retry ") && $0.errorKind != nil }, "\(failed.map { $0.recovery ?? "" })")
        #expect(Set(failed.compactMap(\.httpStatus)) == [429, 500])
        #expect(rows.filter { $0.attempt > 1 }.count == failures, "each failure was followed by a retry")
        let run = try #require(try await runner.store.run(id: result.runID))
        #expect(run.status == .completed)
        #expect(run.retries == failures, "the run row counts the retries the step loop tallied")
        #expect(result.calls == rows.count, "every attempt is a call")
    }

}
