import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `replay --rerun`: stored plans executed again on recorded responses, and counterfactual controllers.
@Suite(.timeLimit(.minutes(5))) struct ReplayTests {
    static func math(_ id: String, topology: String, agents: Int, faults: [FaultSpec] = []) -> OrchestrationTask {
        var task = OrchestrationTask(
            id: id,
            query: "A farm has 17 rows of 23 apple trees and 45 more trees by the gate. How many trees are there?",
            domain: .math,
            expected: ExpectedAnswer(value: "436", kind: .number),
            constraints: Constraints(topology: topology, agentCount: agents)
        )
        task.faults = faults
        return task
    }

    static func orchestrator(verification: VerificationPolicy = .check) async throws -> Orchestrator {
        try await Orchestrator(
            catalog: try TestSupport.catalog(),
            store: try TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(verification: verification),
            logger: TestSupport.logger
        )
    }

    @Test(.exclusive, arguments: [("single", 1), ("chain", 3), ("star", 4), ("debate", 4), ("vote-ensemble", 5)])
    func aReplayWithNothingChangedReproducesTheStoredRun(topology: String, agents: Int) async throws {
        let orchestrator = try await Self.orchestrator()
        for seed in [UInt64(1), 2, 3] {
            let task = Self.math(
                "replay-\(topology)",
                topology: topology,
                agents: agents,
                faults: seed == 3 ? [FaultSpec(target: .random, kind: .persuasive)] : []
            )
            let original = try await orchestrator.run(task, seed: seed)
            let trace = try #require(try await orchestrator.store.trace(runID: original.runID))
            let outcome = try await orchestrator.replay(trace)
            #expect(outcome.changes.isEmpty, "\(topology) seed \(seed): \(outcome.changes)")
            #expect(outcome.misses.isEmpty)
            #expect(outcome.replay.answer == original.answer && outcome.replay.score == original.score)
            let stored = try #require(try await orchestrator.store.run(id: outcome.replay.runID))
            #expect(stored.replayOf == original.runID && stored.planJSON == trace.run.planJSON)
            let messages = try await orchestrator.store.messages(runID: outcome.replay.runID)
            #expect(messages.count == trace.messages.count)
            #expect(messages.allSatisfy { $0.provider == "replay" || $0.purpose == MessagePurpose.fault.rawValue }, "no model is called")
        }
        let plans = try await orchestrator.store.storedPlans()
        #expect(plans.count == 3, "replays are not training data")
    }

    @Test func anotherPolicyOrAggregationChangesWhatIsDeliveredAndCounted() async throws {
        let unchecked = try await Self.orchestrator(verification: .off)
        let task = Self.math("persuaded", topology: "debate", agents: 5, faults: [FaultSpec(target: .agent(0), kind: .persuasive)])
        let original = try await unchecked.run(task, seed: 4)
        let trace = try #require(try await unchecked.store.trace(runID: original.runID))
        #expect(trace.run.flaggedMessages == 0)

        let checked = try await unchecked.replay(trace, verification: .checkAndQuarantine)
        #expect(checked.replay.verification.policy == .checkAndQuarantine)
        #expect(checked.replay.verification.flaggedMessages > 0 && checked.replay.verification.quarantinedAgents == [0])
        #expect(checked.changes.contains { $0.field == "flagged messages" && $0.before == "0" })
        #expect(checked.changes.contains { $0.field == "quarantined agents" && $0.after == "1" })
        let deliveries = try await unchecked.store.deliveries(runID: checked.replay.runID)
        #expect(deliveries.contains { $0.senderIndex == 0 && $0.verdict == DeliveryVerdict.withheld.rawValue })

        let voted = try await unchecked.replay(trace, aggregation: .vote)
        #expect(voted.replay.plan?.aggregation == .vote)
        let answers = voted.replay.agentAnswers.compactMap(\.answer)
        #expect(voted.replay.answer == Aggregator.majority(of: answers))
    }

    @Test func aCallTheRunNeverMadeFailsAndIsListed() async throws {
        let model = TestSupport.simulatedModel("sim-x", latency: 0)
        let stored = MessageRecord(
            runID: "r",
            step: 0,
            agentIndex: 0,
            role: "general.assistant",
            model: "sim-x",
            provider: "simulated",
            promptJSON: "[]",
            parentSpanID: "p",
            purpose: .turn
        )
        var answered = stored
        answered.id = 1
        answered.response = "Answer: 5"
        let provider = ReplayProvider(messages: [answered])
        let role = try #require(try TestSupport.catalog().roles.first)
        func request(step: Int) -> ChatRequest {
            ChatRequest(
                model: model,
                messages: [],
                maxTokens: 10,
                context: CallContext(
                    taskID: "t",
                    query: "q",
                    domain: .general,
                    answerKind: .text,
                    expected: nil,
                    role: role,
                    agentIndex: 0,
                    step: step,
                    seed: 0
                )
            )
        }
        #expect(try await provider.complete(request(step: 0)).content == "Answer: 5")
        await #expect {
            _ = try await provider.complete(request(step: 0))
        } throws: { error in
            (error as? ProviderError)?.kind == .unavailable && "\(error)".contains("no call from agent 0 to sim-x at step 0")
        }
        #expect(await provider.misses == [ReplayProvider.Miss(agentIndex: 0, step: 0, model: "sim-x")])
    }

    @Test func thePriorJudgedOnItsOwnRunsAgreesEverywhereAndKeepsItsUtility() async throws {
        let orchestrator = try await Self.orchestrator()
        for index in 0..<6 {
            _ = try await orchestrator.run(
                Self.math("prior-\(index)", topology: index % 2 == 0 ? "chain" : "single", agents: index % 2 == 0 ? 2 : 1),
                seed: UInt64(index)
            )
        }
        let plans = try await orchestrator.store.storedPlans()
        let estimate = try await CounterfactualEstimate.estimate(
            plans,
            target: orchestrator.controller.zeroParameters,
            controller: orchestrator.controller,
            costWeight: 20
        )
        #expect(estimate.runs == 6 && estimate.skipped == 0)
        #expect(abs(estimate.estimatedUtility - estimate.loggedUtility) < 1e-12)
        #expect(abs(estimate.effectiveSampleSize - 6) < 1e-9)
        #expect(estimate.planAgreement == 1 && estimate.decisionAgreement == 1, "greedy runs chose the prior's most probable candidates")

        var pushed = orchestrator.controller.zeroParameters
        let features = try await orchestrator.controller.features(for: plans[0].task)
        let role = try #require(plans[0].decisions.first { $0.stage == .role && $0.candidates.count > 1 })
        let other = try #require(role.candidates.first { $0.name != role.chosen })
        pushed.weights[Decision.Stage.role.rawValue] = [other.name: features.map { $0 * 50 }]
        let single = try await CounterfactualEstimate.estimate([plans[0]], target: pushed, controller: orchestrator.controller, costWeight: 20)
        let change = try #require(single.decisions.first { $0.stage == .role && $0.position == role.position })
        #expect(change.targetChoice == other.name && change.targetProbability < change.loggedProbability)
        #expect(single.planAgreement == 0)
    }
}
