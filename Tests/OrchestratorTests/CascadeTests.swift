import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// The cascade topology: levels cheapest first, each later level run only when the escalation judge doubts the
/// answer before it, every decision recorded, and replays that re-decide escalations without calling a model.
@Suite(.timeLimit(.minutes(5))) struct CascadeTests {
    static let cheap = TestSupport.simulatedModel("sim-cheap", latency: 1, accuracy: 0.5, price: 0.2)
    static let dear = TestSupport.simulatedModel("sim-dear", latency: 1, accuracy: 0.95, price: 20)

    static func task(_ id: String) -> OrchestrationTask {
        OrchestrationTask(
            id: id,
            query: "A baker bakes 12 trays of 14 rolls and sells 100. How many rolls are left?",
            domain: .math,
            expected: ExpectedAnswer(value: "68", kind: .number),
            constraints: Constraints(topology: "cascade", agentCount: 2)
        )
    }

    /// A judge whose probability that any answer of either model is wrong is `probability`, whatever the answer.
    static func judge(probability: Double) -> EscalationJudge {
        let logit = log(probability / (1 - probability))
        let fit = EscalationJudge.Fit(
            logistic: LogisticModel(means: [], scales: [], weights: [logit]),
            examples: 10,
            wrongShare: probability,
            sortedProbabilities: [probability],
            strongRightWhenWrong: 0.9,
            strongRightWhenRight: 0.95
        )
        return EscalationJudge(features: ResponseFeatures.names, fits: [cheap.name: fit, dear.name: fit])
    }

    static func orchestrator(judge: EscalationJudge?, rule: EscalationPolicy.Rule, store: TraceStore? = nil) async throws -> Orchestrator {
        let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(models: [cheap, dear]), store: store)
        let parameters = judge.map { orchestrator.controller.zeroParameters.with(escalationJudge: $0) }
        return orchestrator.with(controller: orchestrator.controller.with(parameters: parameters)).with(escalation: rule)
    }

    @Test func levelsRunCheapestModelFirstWhateverThePlansOrder() throws {
        let catalog = try TestSupport.catalog(models: [Self.cheap, Self.dear])
        let topology = try #require(catalog.topology(named: "cascade"))
        func plan(_ models: [String]) -> Plan {
            Plan(
                topology: "cascade",
                agents: models.enumerated().map { PlannedAgent(index: $0.offset, role: "math.solver", model: $0.element, fallbackModels: []) },
                rounds: 1,
                aggregation: .finalAgent,
                domain: .math,
                difficulty: 0.5,
                decisions: [],
                controllerVersion: "test",
                selection: .greedy
            )
        }
        let order = AgentGraph.cascadeOrder(of: plan(["sim-dear", "sim-cheap", "sim-dear"]), fleet: catalog.fleet)
        #expect(order == [1, 0, 2])
        let graph = try AgentGraph(cascade: topology, order: order, rounds: 1)
        #expect(graph.steps.map(\.active) == [[1], [0], [2]])
        #expect(graph.steps.map(\.edges) == [[], [AgentGraph.Edge(1, 0)], [AgentGraph.Edge(0, 2)]])
        #expect(graph.steps.map(\.onlyWhenEscalated) == [false, true, true])
        #expect(graph.answeringAgents == [2])
    }

    @Test func aLevelTheJudgePassesEndsTheRunAndTheNextIsRecordedSkipped() async throws {
        let orchestrator = try await Self.orchestrator(judge: Self.judge(probability: 0.1), rule: .threshold(0.5))
        let result = try await orchestrator.run(Self.task("passes"), seed: 3)
        #expect(result.status == .completed)
        let trace = try #require(try await orchestrator.store.trace(runID: result.runID))
        let plan = try #require(result.plan)
        let first = try #require(AgentGraph.cascadeOrder(of: plan, fleet: orchestrator.catalog.fleet).first)
        #expect(trace.messages.map(\.agentIndex) == [first], "only level 1 called a model")
        #expect(result.answer == trace.messages.first?.answer)
        #expect(abs(result.costUSD - trace.messages[0].costUSD) < 1e-12, "the skipped level cost nothing")
        #expect(trace.escalations.count == 1)
        let decision = try #require(trace.escalations.first)
        #expect(!decision.escalated && decision.fromAgent == first && decision.toAgent == 1 - first)
        #expect(abs((decision.probabilityWrong ?? 0) - 0.1) < 1e-9 && decision.threshold == 0.5)
        #expect(result.escalations.map(\.escalates) == [false])
    }

    @Test func aLevelTheJudgeDoubtsGoesToTheNextWhichSeesItsAnswer() async throws {
        let orchestrator = try await Self.orchestrator(judge: Self.judge(probability: 0.9), rule: .threshold(0.5))
        let result = try await orchestrator.run(Self.task("doubted"), seed: 3)
        let trace = try #require(try await orchestrator.store.trace(runID: result.runID))
        let order = AgentGraph.cascadeOrder(of: try #require(result.plan), fleet: orchestrator.catalog.fleet)
        #expect(trace.messages.map(\.agentIndex) == order)
        #expect(trace.escalations.map(\.escalated) == [true])
        let delivery = try #require(trace.deliveries.first)
        #expect(delivery.senderIndex == order[0] && delivery.receiverIndex == order[1])
        let secondPrompt = trace.messages[1].promptJSON
        let firstResponse = try #require(trace.messages[0].response)
        let firstAnswer = try #require(trace.messages[0].answer)
        #expect(
            secondPrompt.contains("agent \(order[0]) answered \(firstAnswer); our checks: \(delivery.verdict)"),
            "level 2 is shown level 1's answer and verdict"
        )
        let firstLine = try #require(firstResponse.split(separator: "\n").first.map(String.init))
        #expect(!secondPrompt.contains(JSONText.string(firstLine).dropFirst().dropLast()), "but not its text")
        #expect(result.answer == trace.messages[1].answer, "the final answer is the last level's that ran")
    }

    @Test func aLevelWhoseModelFailsIsEscalated() async throws {
        var unreachable = TestSupport.unreachableModel()
        unreachable.inputPricePerMillion = 0.01
        unreachable.outputPricePerMillion = 0.01
        let orchestrator = try await Orchestrator(
            catalog: try TestSupport.catalog(models: [unreachable, Self.dear]),
            store: try TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(retryPolicy: RetryPolicy(maxFallbacks: 0)),
            logger: TestSupport.logger
        )
        let result = try await orchestrator.run(Self.task("unreachable"), seed: 2)
        #expect(result.status == .completed && result.answer != nil, "\(result.error ?? "")")
        let trace = try #require(try await orchestrator.store.trace(runID: result.runID))
        let decision = try #require(trace.escalations.first)
        #expect(decision.escalated && decision.fromModel == "unreachable" && decision.reason.contains("gave no message"))
        #expect(trace.messages.filter { $0.error == nil }.map(\.model) == [Self.dear.name])
    }

    @Test func withoutAJudgeTheChecksDecide() async throws {
        let orchestrator = try await Self.orchestrator(judge: nil, rule: .threshold(0.5))
        var reasons: [String] = []
        for seed in UInt64(0)..<12 {
            let result = try await orchestrator.run(Self.task("checks-\(seed)"), seed: seed)
            let trace = try #require(try await orchestrator.store.trace(runID: result.runID))
            let decision = try #require(trace.escalations.first)
            let checks = trace.verifications.filter { $0.messageID == trace.messages[0].id }
            let doubted = checks.contains { $0.outcome == "failed" || $0.outcome == "unsupported" } || trace.messages[0].answer == nil
            #expect(decision.escalated == doubted, "seed \(seed): \(decision.reason)")
            #expect(decision.probabilityWrong == nil)
            reasons.append(decision.reason)
        }
        #expect(reasons.contains { $0.contains("no check doubts") } && reasons.contains { $0.contains("failed") || $0.contains("no readable") })
    }

    @Test func aReplayUnderAnotherThresholdReDecidesFromTheRecordedResponsesWithoutAModelCall() async throws {
        let always = try await Self.orchestrator(judge: Self.judge(probability: 0.6), rule: .threshold(0.5))
        let original = try await always.run(Self.task("replayed"), seed: 5)
        let trace = try #require(try await always.store.trace(runID: original.runID))
        #expect(trace.escalations.map(\.escalated) == [true])

        let same = try await always.replay(trace)
        #expect(same.changes.isEmpty, "\(same.changes)")
        #expect(same.misses.isEmpty)

        let stricter = try await always.replay(trace, escalation: .threshold(0.7))
        #expect(stricter.misses.isEmpty)
        #expect(stricter.replay.escalations.map(\.escalates) == [false])
        #expect(stricter.replay.answer == trace.messages[0].answer, "level 1's recorded answer stands")
        let replayed = try await always.store.messages(runID: stricter.replay.runID)
        #expect(replayed.count == 1 && replayed.allSatisfy { $0.provider == "replay" }, "no model is called")
        #expect(stricter.changes.contains { $0.field == "escalations" && $0.before == "escalated" && $0.after == "stopped" })

        let byShare = try await always.replay(trace, escalation: .share(0.01))
        #expect(byShare.replay.escalations.map(\.escalates) == [false], "the judge's 1% quantile is its only probability, 0.6")
    }

    @Test func serveRunsACascadeUnderTheRequestsRule() async throws {
        let orchestrator = try await Self.orchestrator(judge: Self.judge(probability: 0.8), rule: .threshold(0.5))
        let server = try OrchestratorServer(orchestrator: orchestrator, configuration: ServerConfiguration(), logger: TestSupport.logger)
        let question = #"{"role":"user","content":"\#(Self.task("serve").query)"}"#
        @Sendable func escalations(_ buffer: ByteBuffer) throws -> [Bool] {
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
            let details = try #require(reply["orchestrate"] as? [String: Any])
            #expect(details["topology"] as? String == "cascade")
            let decisions = try #require(details["escalations"] as? [[String: Any]])
            return decisions.compactMap { $0["escalates"] as? Bool }
        }
        try await server.application().test(.router) { client in
            let byDefault = #"{"model":"cascade","messages":[\#(question)],"orchestrate":{"agents":2},"seed":1}"#
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: byDefault)) { response in
                #expect(response.status == .ok)
                let decided = try escalations(response.body)
                #expect(decided == [true])
            }
            let stricter = #"{"model":"cascade","messages":[\#(question)],"orchestrate":{"agents":2,"escalate":"threshold:0.9"},"seed":1}"#
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: stricter)) { response in
                #expect(response.status == .ok)
                let decided = try escalations(response.body)
                #expect(decided == [false])
            }
            let wrong = #"{"model":"cascade","messages":[\#(question)],"orchestrate":{"escalate":"sometimes"}}"#
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: wrong)) { response in
                #expect(response.status == .badRequest)
                let text = String(buffer: response.body)
                #expect(text.contains("orchestrate.escalate") && text.contains("threshold:P"))
            }
        }
    }

}
