import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct ExecutorTests {
    /// Four 200 ms calls in one round take about as long as one, not four: the round's span over the
    /// sum of its calls' own latencies is near 1/4 when concurrent and near 1 when sequential.
    @Test(.exclusive) func aRoundOfFourAgentsRunsConcurrently() async throws {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-fixed", latency: 200)])
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog)
        let task = OrchestrationTask(
            id: "concurrent",
            query: "What is 6 times 7?",
            expected: ExpectedAnswer(value: "42", kind: .number),
            constraints: Constraints(topology: "vote-ensemble", agentCount: 4)
        )
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.status == .completed)
        let messages = try await orchestrator.store.messages(runID: result.runID)
        #expect(messages.count == 4)
        #expect(messages.allSatisfy { $0.latencyMilliseconds >= 195 }, "the simulated latency must really elapse")
        let start = try #require(messages.map(\.startedAt).min())
        let end = try #require(messages.map(\.finishedAt).max())
        let span = end.timeIntervalSince(start) * 1000
        let sequential = messages.reduce(0) { $0 + $1.latencyMilliseconds }
        let ratio = span / sequential
        #expect(ratio < 0.6, "the round took \(span) ms for calls summing to \(sequential) ms (ratio \(ratio)): not concurrent")
    }

    @Test func dependentStepsRunInSequence() async throws {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-fixed", latency: 100)])
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog)
        let task = OrchestrationTask(id: "chain", query: "What is 6 times 7?", constraints: Constraints(topology: "chain", agentCount: 3))
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.messageCount == 3)
        #expect(result.wallSeconds >= 0.3 * 0.95, "a chain of three 100 ms calls took \(result.wallSeconds) s")
        let deliveries = try await orchestrator.store.deliveries(runID: result.runID)
        #expect(deliveries.map { "\($0.senderIndex)→\($0.receiverIndex)" } == ["0→1", "1→2"])
    }

    @Test func aModelConcurrencyLimitIsHonoured() async throws {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-serial", latency: 100, concurrency: 1)])
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog)
        let task = OrchestrationTask(id: "serial", query: "What is 6 times 7?", constraints: Constraints(topology: "vote-ensemble", agentCount: 4))
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.wallSeconds >= 0.4 * 0.95, "four calls through one permit took \(result.wallSeconds) s")
    }

    @Test func sameSeedGivesTheSameRunAndBothAreRecorded() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try TraceStore.open(path: directory.appendingPathComponent("traces.sqlite").path, logger: TestSupport.logger)
        let catalog = try TestSupport.catalog()
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog, store: store)
        let task = try #require(try orchestrator.taskParser.load(path: TestSupport.workflows + "/tasks/example.json").first)
        let first = try await orchestrator.run(task, seed: 11)
        let second = try await orchestrator.run(task, seed: 11)
        #expect(first.plan == second.plan)
        #expect(first.answer == second.answer)
        #expect(first.agentAnswers == second.agentAnswers)
        #expect(first.usage == second.usage)
        #expect(first.runID != second.runID)
        let counts = try await store.counts()
        #expect(counts.runs == 2)
        #expect(counts.messages == first.messageCount + second.messageCount)
        for result in [first, second] {
            let run = try #require(try await store.run(id: result.runID))
            #expect(run.status == .completed)
            #expect(run.simulated)
            #expect(run.answer == result.answer)
            #expect(run.topology == result.plan?.topology)
            let messages = try await store.messages(runID: result.runID)
            #expect(messages.count == result.messageCount)
            #expect(messages.allSatisfy { $0.response?.contains("simulated") == true && $0.promptTokens > 0 && $0.completionTokens > 0 })
            #expect(abs(messages.reduce(0) { $0 + $1.costUSD } - run.costUSD) < 1e-12)
            let decisions = try await store.decisions(runID: result.runID)
            #expect(decisions.count == result.plan?.decisions.count)
            #expect(zip(decisions, result.plan?.decisions ?? []).allSatisfy { abs($0.logProbability - $1.logProbability) < 1e-12 })
        }
    }

    @Test func aCostBudgetStopsTheRunAndSaysWhy() async throws {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-pricey", latency: 0, price: 100)])
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog)
        let task = OrchestrationTask(
            id: "budget",
            query: "What is 6 times 7?",
            expected: ExpectedAnswer(value: "42", kind: .number),
            budget: Budget(maxCostUSD: 0.05),
            constraints: Constraints(topology: "chain", agentCount: 5)
        )
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.status == .stopped)
        #expect(result.stopReason?.contains("budget of $") == true)
        #expect(result.costUSD <= 0.05)
        #expect(result.messageCount >= 1 && result.messageCount < 5)
        let run = try #require(try await orchestrator.store.run(id: result.runID))
        #expect(run.status == .stopped)
        #expect(run.stopReason == result.stopReason)
    }

    @Test(.exclusive) func aDeadlineStopsTheRunAndSaysWhy() async throws {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-slow", latency: 800)])
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog)
        let task = OrchestrationTask(
            id: "deadline",
            query: "What is 6 times 7?",
            // The deadline falls halfway through the third call (1.6 s to 2.4 s), never at a call's end.
            budget: Budget(deadlineSeconds: 2.0),
            constraints: Constraints(topology: "chain", agentCount: 5)
        )
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.status == .stopped)
        #expect(result.stopReason?.contains("deadline of 2.0000 s reached during step") == true, "\(result.stopReason ?? "")")
        #expect(result.wallSeconds < 3.6, "five 800 ms calls in a chain take 4 s; the one in flight at the deadline is cut short")
        let messages = try await orchestrator.store.messages(runID: result.runID)
        #expect(messages.count < 5)
        #expect(messages.last?.error?.contains("deadline") == true)
        #expect(messages.first?.response != nil, "the first call ends 1.2 s before the deadline, even on a loaded machine")
        #expect(result.answer != nil, "answers given before the deadline survive the stop")
    }

    @Test func aFailedRunIsStillRecorded() async throws {
        let catalog = try TestSupport.catalog()
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            providers: ProviderRegistry(providers: [:]),
            logger: TestSupport.logger
        )
        let result = try await orchestrator.run(OrchestrationTask(id: "no-provider", query: "What is 2 + 2?"), seed: 0)
        #expect(result.status == .failed)
        #expect(result.error?.contains("no provider of kind 'simulated'") == true)
        let run = try #require(try await orchestrator.store.run(id: result.runID))
        #expect(run.status == .failed)
        #expect(run.error == result.error)
        let messages = try await orchestrator.store.messages(runID: result.runID)
        #expect(!messages.isEmpty && messages.allSatisfy { $0.error != nil && $0.response == nil })
    }

    @Test func aPlanThatCannotBeMadeIsRecordedAsFailed() async throws {
        let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog())
        let task = OrchestrationTask(id: "impossible", query: "x", budget: Budget(maxAgents: 1), constraints: Constraints(topology: "debate"))
        let result = try await orchestrator.run(task, seed: 0)
        #expect(result.status == .failed)
        #expect(result.error?.contains("no topology fits") == true)
        #expect(try await orchestrator.store.run(id: result.runID)?.status == .failed)
    }

    @Test(.exclusive) func aBatchOfFiftyAddsFiftyRuns() async throws {
        let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog())
        let tasks = try orchestrator.taskParser.load(path: TestSupport.workflows + "/tasks/sample-50.jsonl")
        let before = try await orchestrator.store.counts().runs
        let results = try await orchestrator.runBatch(tasks, seed: 5, parallel: 8)
        #expect(results.map(\.taskID) == tasks.map(\.id))
        #expect(try await orchestrator.store.counts().runs == before + 50)
        let summary = BatchSummary(results: results)
        #expect(summary.scored == 50)
        #expect(summary.statuses[.completed] == 50)
        // Counted from the trace database: completed runs whose stored score is 1.
        let stored = try await orchestrator.store.runs(matching: RunFilter(status: .completed, limit: 1000))
        let correctInStore = stored.filter { run in results.contains { $0.runID == run.id } && run.score == 1 }.count
        #expect(summary.correct == correctInStore && summary.correct > 0)
    }

    @Test func votesAndAnswersAreReadAndScored() {
        #expect(Aggregator.majority(of: ["3", "4", "4", "3"]) == "3")
        #expect(Aggregator.majority(of: ["5", "4", "4"]) == "4")
        #expect(Aggregator.majority(of: []) == nil)
        #expect(AnswerExtractor.extract(from: "12 + 30 = 42\nAnswer: $1,042.50", kind: .number) == "1042.5")
        #expect(AnswerExtractor.extract(from: "so we get 7 then 9", kind: .number) == "9")
        #expect(AnswerExtractor.extract(from: "#### 18", kind: .number) == "18")
        #expect(AnswerExtractor.extract(from: "I think (C) is right.", kind: .choice) == "C")
        #expect(AnswerExtractor.extract(from: "Answer: b) Mercury", kind: .choice) == "B")
        #expect(AnswerExtractor.extract(from: "Reasoning\nAnswer: Tokyo.", kind: .text) == "tokyo")
        #expect(AnswerExtractor.extract(from: "```python\ndef f():\n    return 1\n```", kind: .code) == "def f():\n    return 1")
        #expect(Scorer.score(answer: "42", expected: ExpectedAnswer(value: "42.0", kind: .number)) == 1)
        #expect(Scorer.score(answer: "41", expected: ExpectedAnswer(value: "42", kind: .number)) == 0)
        #expect(Scorer.score(answer: nil, expected: ExpectedAnswer(value: "A", kind: .choice)) == 0)
        #expect(Scorer.score(answer: "anything", expected: nil) == nil)
    }
}
