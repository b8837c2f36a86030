import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Neighbour verification in real runs: verdicts on every delivery, re-asks, quarantine, faults, propagation.
@Suite(.timeLimit(.minutes(5))) struct VerificationTests {
    static let query = "A bakery packs 7 boxes of 11 rolls. How many rolls is that?"

    static func debateTask(faults: [FaultSpec], models: [String] = ["sim-a"]) -> OrchestrationTask {
        OrchestrationTask(
            id: "bakery",
            query: query,
            domain: .math,
            expected: ExpectedAnswer(value: "77", kind: .number),
            constraints: Constraints(topology: "debate", agentCount: 6, models: models),
            faults: faults
        )
    }

    static func orchestrator(_ policy: VerificationPolicy, providers: ProviderRegistry = ProviderRegistry()) async throws -> Orchestrator {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-a", latency: 0, accuracy: 0.7, conformity: 0.6)])
        return try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(verification: policy),
            providers: providers,
            logger: TestSupport.logger
        )
    }

    @Test func aPersuasiveFaultIsWithheldAndItsSenderQuarantined() async throws {
        let orchestrator = try await Self.orchestrator(.checkAndQuarantine)
        let result = try await orchestrator.run(Self.debateTask(faults: [FaultSpec(target: .agent(1), kind: .persuasive, value: "114")]), seed: 4)
        #expect(result.status == .completed)
        #expect(result.verification.faults == [InjectedFault(agent: 1, kind: .persuasive, answer: "114")])
        #expect(result.verification.quarantinedAgents == [1])

        let store = orchestrator.store
        let agents = try await store.agents(runID: result.runID)
        #expect(agents[1].fault == "persuasive" && agents[1].quarantinedAtStep == 2)
        #expect(agents.filter { $0.fault != nil }.count == 1)

        let messages = try await store.messages(runID: result.runID)
        let faulty = messages.filter { $0.agentIndex == 1 }
        #expect(faulty.count == 2, "a quarantined agent is not called again; debate has two debating steps")
        #expect(faulty.allSatisfy { $0.provider == "fault-injected" && $0.purpose == "fault" && $0.costUSD == 0 })
        #expect(faulty.allSatisfy { $0.response?.contains("= 114") == true })

        let verdicts = try await store.verifications(runID: result.runID)
        let faultyIDs = Set(faulty.compactMap(\.id))
        let arithmetic = verdicts.filter { faultyIDs.contains($0.messageID) && $0.checkName == "arithmetic" }
        #expect(arithmetic.count == 2 && arithmetic.allSatisfy { $0.outcome == "failed" && $0.detail.contains("is wrong: it is 77") })

        let deliveries = try await store.deliveries(runID: result.runID).filter { $0.senderIndex == 1 }
        #expect(deliveries.filter { $0.step == 1 }.count == 4 && deliveries.filter { $0.step == 1 }.allSatisfy { $0.verdict == "withheld" })
        #expect(deliveries.filter { $0.step == 2 }.map(\.verdict) == ["quarantined"])
        #expect(result.verification.withheldDeliveries == 5)

        let record = try #require(try await store.run(id: result.runID))
        #expect(record.verificationPolicy == "check+quarantine" && record.quarantinedAgents == 1)
        #expect(record.faultsJSON?.contains("\"answer\":\"114\"") == true)
        #expect(record.propagationRate == result.verification.propagationRate)
        #expect(result.agentAnswers.filter { $0.index != 1 }.allSatisfy { $0.answer != "114" })
        #expect(result.verification.propagationRate == 0)
    }

    @Test func withVerificationOffEverythingIsDeliveredUncheckedAndNothingIsJudged() async throws {
        let orchestrator = try await Self.orchestrator(.off)
        let result = try await orchestrator.run(Self.debateTask(faults: [FaultSpec(target: .agent(2), kind: .persuasive)]), seed: 4)
        let deliveries = try await orchestrator.store.deliveries(runID: result.runID)
        #expect(!deliveries.isEmpty && deliveries.allSatisfy { $0.verdict == "unchecked" })
        #expect(try await orchestrator.store.verifications(runID: result.runID).isEmpty)
        #expect(result.verification.flaggedMessages == 0 && result.verification.quarantinedAgents.isEmpty)
        let injected = try #require(result.verification.faults.first?.answer)
        #expect(injected != "77")
        let prompts = try await orchestrator.store.messages(runID: result.runID).filter { $0.step == 1 && $0.agentIndex != 2 }.map(\.promptJSON)
        #expect(prompts.allSatisfy { $0.contains("[unchecked]") && $0.contains("I am certain") })
    }

    @Test func underCheckAFailingMessageIsShownUnverifiedWithItsReason() async throws {
        let orchestrator = try await Self.orchestrator(.check)
        let result = try await orchestrator.run(Self.debateTask(faults: [FaultSpec(target: .agent(0), kind: .persuasive, value: "80")]), seed: 9)
        let deliveries = try await orchestrator.store.deliveries(runID: result.runID).filter { $0.senderIndex == 0 }
        #expect(!deliveries.isEmpty && deliveries.allSatisfy { $0.verdict == "unverified" })
        #expect(deliveries.allSatisfy { $0.detail?.contains("is wrong: it is 77") == true })
        let prompt = try #require(try await orchestrator.store.messages(runID: result.runID).first { $0.step == 1 && $0.agentIndex == 1 }?.promptJSON)
        #expect(prompt.contains("[unverified: arithmetic:"))
        #expect(prompt.contains("Dispute: the other agents disagree"))
        #expect(result.verification.quarantinedAgents.isEmpty)
    }

    @Test func garbageIsReAskedOnceAFaultAndCountedAsAVerificationCall() async throws {
        let orchestrator = try await Self.orchestrator(.check)
        let result = try await orchestrator.run(Self.debateTask(faults: [FaultSpec(target: .random, kind: .garbage)]), seed: 2)
        let fault = try #require(result.verification.faults.first)
        #expect(fault.answer == nil && fault.agent < 5, "a random fault goes to an agent whose messages reach others, not the judge")
        let rows = try await orchestrator.store.messages(runID: result.runID).filter { $0.agentIndex == fault.agent }
        #expect(rows.map(\.purpose) == ["fault", "re-ask", "fault", "re-ask"])
        #expect(result.verification.calls == 2 && result.verification.costUSD == 0)
        #expect(result.verification.propagationRate == 0)
    }

    /// Replies without an answer line until asked again.
    struct ForgetfulProvider: LLMProvider {
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            let asked = request.messages.last?.content.contains("no readable final answer") == true
            return ChatResponse(
                content: asked ? "Answer: 77" : "Seven boxes of eleven rolls each.",
                usage: TokenUsage(promptTokens: 100, completionTokens: 10)
            )
        }
    }

    @Test func aReplyWithoutAnAnswerGetsOneReAskThatIsPaidForAndRecorded() async throws {
        var providers = ProviderRegistry()
        providers.register(ForgetfulProvider(), for: .simulated)
        let orchestrator = try await Self.orchestrator(.check, providers: providers)
        var task = Self.debateTask(faults: [])
        task.constraints = Constraints(topology: "single", agentCount: 1, models: ["sim-a"])
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.answer == "77" && result.score == 1)
        #expect(result.verification.calls == 1)
        #expect(abs(result.verification.costUSD - 110.0 / 1_000_000) < 1e-12)
        #expect(abs(result.costUSD - 220.0 / 1_000_000) < 1e-12)
        let rows = try await orchestrator.store.messages(runID: result.runID)
        #expect(rows.map(\.purpose) == ["turn", "re-ask"])
        #expect(rows[1].promptJSON.contains("Seven boxes of eleven rolls each."))

        let off = try await Self.orchestrator(.off, providers: providers).run(task, seed: 1)
        #expect(off.answer == nil && off.verification.calls == 0, "with verification off nobody asks again")
    }

    @Test func aFaultOutsideThePlanFailsTheRunWithAClearError() async throws {
        let orchestrator = try await Self.orchestrator(.check)
        let result = try await orchestrator.run(Self.debateTask(faults: [FaultSpec(target: .agent(9), kind: .garbage)]), seed: 1)
        #expect(result.status == .failed)
        #expect(result.error == "faults[0].agent: expected an agent index below the plan's 6 agents, got 9")
        #expect(try await orchestrator.store.run(id: result.runID)?.status == .failed)
    }

    @Test(arguments: [
        ("persuasive", FaultSpec(target: .random, kind: .persuasive)),
        ("garbage@3", FaultSpec(target: .agent(3), kind: .garbage)),
        ("wrong-answer@random=13", FaultSpec(target: .random, kind: .wrongAnswer, value: "13")),
    ])
    func faultsParseFromTheCommandLine(argument: String, spec: FaultSpec) throws {
        #expect(try FaultSpec(argument: argument) == spec)
    }

    @Test func badFaultArgumentsNameWhatWasExpected() {
        #expect(throws: FieldError.self) { try FaultSpec(argument: "lying") }
        #expect(throws: FieldError.self) { try FaultSpec(argument: "garbage@judge") }
        let error = #expect(throws: FieldError.self) { try FaultSpec(argument: "garbage@99") }
        #expect(error?.problem.contains("expected an agent index from 0 to 63") == true, "\(String(describing: error))")
    }
}

/// The strike count both executors keep.
@Suite(.timeLimit(.minutes(1))) struct QuarantineStrikesTests {
    static let failed = [CheckResult(check: .arithmetic, outcome: .failed, detail: "2 + 2 = 5 is wrong")]
    static let passed = [CheckResult(check: .arithmetic, outcome: .passed, detail: "")]

    @Test func theSecondFailedMessageCutsTheSenderOnceAndOnlyUnderQuarantine() {
        var strikes = QuarantineStrikes(policy: .checkAndQuarantine)
        let cuts = [(1, Self.failed), (1, Self.passed), (2, Self.failed), (1, Self.failed), (1, Self.failed)].map { agent, checks in
            strikes.count(agent: agent, checks: checks)
        }
        // The second failure of agent 1 cuts it; a passing message is no strike; a cut agent is not cut again.
        #expect(cuts == [false, false, false, true, false])
        #expect(strikes.quarantined == [1])
        var checkOnly = QuarantineStrikes(policy: .check)
        let uncut = [Self.failed, Self.failed, Self.failed].map { checkOnly.count(agent: 1, checks: $0) }
        #expect(uncut == [false, false, false] && checkOnly.quarantined.isEmpty)
    }
}
