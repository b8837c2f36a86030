import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Whole runs against the fault-injecting server: every run ends with a recorded outcome, and retries and
/// fallbacks show in the trace.
@Suite(.timeLimit(.minutes(5))) struct FaultRecoveryTests {
    /// A fleet of two models behind one test server, an orchestrator over it, and which model the plan puts
    /// first for a task (greedy planning is deterministic, so the test scripts the model actually used).
    struct Setup {
        var server: FaultyOpenAIServer
        var orchestrator: Orchestrator
        var primary: String
        var fallback: String
        var primaryID: String { "id-\(primary)" }
    }

    static let fastRetries = RetryPolicy(baseDelaySeconds: 0.01, maxDelaySeconds: 0.05, maxRetryAfterSeconds: 2, maxFallbacks: 2)

    static func task(topology: String = "single", agents: Int = 1, budget: Budget = Budget()) -> OrchestrationTask {
        OrchestrationTask(
            id: "fault-\(topology)-\(agents)",
            query: "What is 2 + 2?",
            domain: .math,
            expected: ExpectedAnswer(value: "4", kind: .number),
            budget: budget,
            constraints: Constraints(topology: topology, agentCount: agents)
        )
    }

    static func setUp(
        task: OrchestrationTask,
        primary: [FaultyOpenAIServer.Behaviour],
        fallback: [FaultyOpenAIServer.Behaviour] = [.reply("2 + 2 = 4\nAnswer: 4")],
        timeout: Double = 5,
        price: Double = 1,
        maxOutputTokens: Int = 512
    ) async throws -> Setup {
        func models(endpoint: String) -> [ModelSpec] {
            ["alpha", "beta"].map { name in
                ModelSpec(
                    name: name,
                    provider: .openai,
                    modelID: "id-\(name)",
                    endpoint: endpoint,
                    inputPricePerMillion: price,
                    outputPricePerMillion: price,
                    description: "test model \(name) behind the fault-injecting server",
                    limits: ModelLimits(timeoutSeconds: timeout, maxRetries: 2)
                )
            }
        }
        func orchestrator(endpoint: String) async throws -> Orchestrator {
            try await Orchestrator(
                catalog: try TestSupport.catalog(models: models(endpoint: endpoint)),
                store: try TraceStore.inMemory(),
                configuration: OrchestratorConfiguration(databasePath: nil, maxOutputTokens: maxOutputTokens, retryPolicy: fastRetries),
                logger: TestSupport.logger
            )
        }
        let plan = try await orchestrator(endpoint: "http://127.0.0.1:9/v1").controller.plan(for: task, seed: 1)
        let first = plan.agents[0].model
        let second = first == "alpha" ? "beta" : "alpha"
        let scripted = try await FaultyOpenAIServer.start(["id-\(first)": primary, "id-\(second)": fallback])
        let rebound = try await orchestrator(endpoint: scripted.baseURL)
        return Setup(server: scripted, orchestrator: rebound, primary: first, fallback: second)
    }

    static let persistentFaults: [(String, FaultyOpenAIServer.Behaviour)] = [
        ("HTTP 500", .status(500)),
        ("slower than the timeout", .slow(seconds: 8, then: "Answer: 4")),
        ("truncated JSON", .truncatedJSON),
        ("empty choices", .emptyChoices),
        ("closed connection", .closeConnection),
        ("429 without Retry-After", .status(429)),
    ]

    @Test(.exclusive, arguments: persistentFaults.indices)
    func aModelThatKeepsFailingIsRetriedThenReplacedByTheNextRankedModel(fault: Int) async throws {
        let (name, behaviour) = Self.persistentFaults[fault]
        // The timeout cuts the slow reply (8 s) short, yet leaves the fallback's instant reply room on a loaded machine
        // (at 0.3 s, the fallback's own replies timed out while the suite's first tests loaded both cores).
        let setup = try await Self.setUp(task: Self.task(), primary: [behaviour], timeout: 1.5)
        defer { Task { await setup.server.stop() } }
        let result = try await setup.orchestrator.run(Self.task(), seed: 1)

        #expect(result.status == .completed, "\(name)")
        #expect(result.answer == "4", "\(name)")
        #expect(result.retries == 2, "\(name)")
        #expect(result.fallbacks == 1, "\(name)")
        #expect(result.messageCount == 4, "\(name)")
        let messages = try await setup.orchestrator.store.messages(runID: result.runID)
        #expect(messages.map(\.model) == [setup.primary, setup.primary, setup.primary, setup.fallback], "\(name)")
        #expect(messages.map(\.attempt) == [1, 2, 3, 1], "\(name)")
        #expect(messages.prefix(3).allSatisfy { $0.error != nil && $0.errorKind != nil && $0.response == nil }, "\(name)")
        #expect(messages[0].recovery?.hasPrefix("retry 1 of 2") == true, "\(name): \(messages[0].recovery ?? "-")")
        #expect(messages[2].recovery?.contains("falling back to \(setup.fallback)") == true, "\(name): \(messages[2].recovery ?? "-")")
        #expect(messages[3].fallbackFrom == setup.primary && messages[3].error == nil, "\(name)")
        #expect(await setup.server.script.count(for: setup.primaryID) == 3, "\(name)")
    }

    @Test func aRateLimitIsWaitedOutAsRetryAfterSays() async throws {
        let setup = try await Self.setUp(task: Self.task(), primary: [.status(429, retryAfter: "1"), .reply("Answer: 4")])
        defer { Task { await setup.server.stop() } }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await setup.orchestrator.run(Self.task(), seed: 1)
        let elapsed = clock.now - start

        #expect(result.status == .completed && result.answer == "4")
        #expect(result.retries == 1 && result.fallbacks == 0)
        #expect(elapsed >= .seconds(1))
        let messages = try await setup.orchestrator.store.messages(runID: result.runID)
        #expect(messages.count == 2)
        #expect(messages[0].errorKind == "rateLimited" && messages[0].httpStatus == 429)
        #expect(messages[0].recovery == "retry 1 of 2 in 1.0000 s")
        #expect(messages[1].model == setup.primary && messages[1].attempt == 2 && messages[1].error == nil)
    }

    @Test func aRetryAfterLongerThanThePolicyWaitsFallsBackAtOnce() async throws {
        let setup = try await Self.setUp(task: Self.task(), primary: [.status(429, retryAfter: "3600")])
        defer { Task { await setup.server.stop() } }
        let result = try await setup.orchestrator.run(Self.task(), seed: 1)
        #expect(result.status == .completed && result.retries == 0 && result.fallbacks == 1)
        let messages = try await setup.orchestrator.store.messages(runID: result.runID)
        #expect(messages.first?.recovery?.contains("exceeds") == true)
    }

    @Test func aClientErrorIsNotRetriedButFallsBack() async throws {
        let setup = try await Self.setUp(task: Self.task(), primary: [.status(400)])
        defer { Task { await setup.server.stop() } }
        let result = try await setup.orchestrator.run(Self.task(), seed: 1)
        #expect(result.status == .completed && result.retries == 0 && result.fallbacks == 1)
        #expect(await setup.server.script.count(for: setup.primaryID) == 1)
    }

    @Test func whenEveryModelFailsTheRunIsRecordedAsFailedWithItsErrors() async throws {
        let setup = try await Self.setUp(task: Self.task(), primary: [.status(503)], fallback: [.closeConnection])
        defer { Task { await setup.server.stop() } }
        let result = try await setup.orchestrator.run(Self.task(), seed: 1)
        #expect(result.status == .failed)
        #expect(result.error?.contains("HTTP 503") == true)
        #expect(result.error?.contains("connection") == true)
        #expect(result.score == 0)
        let stored = try #require(try await setup.orchestrator.store.run(id: result.runID))
        #expect(stored.status == .failed && stored.error == result.error && stored.finishedAt != nil)
        let messages = try await setup.orchestrator.store.messages(runID: result.runID)
        #expect(messages.count == 6 && messages.allSatisfy { $0.error != nil })
        #expect(messages.last?.recovery?.contains("no model left") == true)
    }

    @Test func aModelThatFailedIsSkippedForTheRestOfTheRun() async throws {
        let task = Self.task(topology: "chain", agents: 3)
        let setup = try await Self.setUp(task: task, primary: [.status(502)])
        defer { Task { await setup.server.stop() } }
        let result = try await setup.orchestrator.run(task, seed: 1)
        #expect(result.status == .completed)
        #expect(await setup.server.script.count(for: setup.primaryID) == 3)
        let messages = try await setup.orchestrator.store.messages(runID: result.runID)
        #expect(messages.filter { $0.error == nil }.count == 3)
    }

    @Test func aBudgetSpentOnRealUsageStopsTheRunAndSaysWhy() async throws {
        let task = Self.task(topology: "chain", agents: 3, budget: Budget(maxCostUSD: 0.2))
        let setup = try await Self.setUp(task: task, primary: [.reply("2 + 2 = 4\nAnswer: 4")], price: 1000, maxOutputTokens: 64)
        defer { Task { await setup.server.stop() } }
        let result = try await setup.orchestrator.run(task, seed: 1)
        #expect(result.status == .stopped)
        #expect(result.stopReason?.contains("budget of $0.2000 would be passed by step 1") == true, "\(result.stopReason ?? "-")")
        #expect(result.messageCount == 1)
        #expect(abs(result.costUSD - 49 * 1000 / 1_000_000) < 1e-9)
        #expect(result.usage == TokenUsage(promptTokens: 42, completionTokens: 7, estimated: false))
        let stored = try #require(try await setup.orchestrator.store.run(id: result.runID))
        #expect(stored.status == .stopped && stored.stopReason == result.stopReason)
    }
}
