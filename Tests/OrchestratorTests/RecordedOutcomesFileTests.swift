import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The general recorded-outcomes format: RouteLLM's data round-trips through it, recorded token counts and costs
/// are used, bad lines are named, and stored single-agent runs become outcomes.
@Suite(.timeLimit(.minutes(5))) struct RecordedOutcomesFileTests {

    static let fixture = """
        {"id": "t1", "query": "What is 2 + 2?", "domain": "math", "expected": {"value": "4", "kind": "number"}, "outcomes": {"small": {"correct": false, "response": "2 + 2 = 5\\nAnswer: 5", "promptTokens": 31, "completionTokens": 9, "costUSD": 0.0125}, "big": {"correct": true}}}
        {"id": "t2", "query": "Capital of France?", "outcomes": {"small": {"correct": true, "response": "Answer: Paris"}}}
        """

    /// Regrading scores each recorded response the way a run's answer is scored: the dataset's false `#### $20.00`
    /// against 20 becomes right, its true "Answer: 19" against 20 wrong; an outcome without a response, or an item
    /// without an expected answer, keeps the dataset's grade; the counts say what changed.
    @Test func regradingScoresResponsesAsRunsAreScored() {
        var outcomes = RecordedOutcomes()
        outcomes.add(
            RecordedOutcomes.Item(
                dataset: "gsm8k",
                id: "a",
                query: "How much profit?",
                expected: ExpectedAnswer(value: "20", kind: .number),
                domain: .math,
                outcomes: [
                    "strong": .init(correct: false, response: "40 - 20 = 20\n#### $20.00"),
                    "cheap": .init(correct: true, response: "Answer: 19"),
                    "silent": .init(correct: false),
                ]
            )
        )
        outcomes.add(
            RecordedOutcomes.Item(
                dataset: "gsm8k",
                id: "b",
                query: "How many?",
                expected: nil,
                domain: .math,
                outcomes: ["strong": .init(correct: false, response: "Answer: 3")]
            )
        )
        let (regraded, regrading) = outcomes.regraded()
        #expect(regraded.items[0].outcomes["strong"]?.correct == true)
        #expect(regraded.items[0].outcomes["cheap"]?.correct == false)
        #expect(regraded.items[0].outcomes["silent"]?.correct == false)
        #expect(regraded.items[1].outcomes["strong"]?.correct == false)
        #expect(regrading.nowRight == ["strong": 1] && regrading.nowWrong == ["cheap": 1] && regrading.changed == 2)
    }

    @Test func theRecordedProviderUsesRecordedTokensAndCost() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mine.jsonl").path
        try Self.fixture.write(toFile: path, atomically: true, encoding: .utf8)
        let outcomes = try RecordedOutcomes.load(path: path)
        #expect(outcomes.items.map(\.dataset) == ["mine", "mine"] && outcomes.items[1].domain == .general)
        var catalog = try TestSupport.catalog()
        catalog.fleet = Fleet(
            name: "recorded-test",
            description: "recorded",
            models: ["small", "big"].map {
                ModelSpec(name: $0, provider: .recorded, modelID: $0, inputPricePerMillion: 1, outputPricePerMillion: 1, description: $0)
            }
        )
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            providers: ProviderRegistry(recordings: outcomes),
            logger: TestSupport.logger
        )
        let task = OrchestrationTask(
            id: "t1",
            query: "What is 2 + 2?",
            domain: .math,
            expected: ExpectedAnswer(value: "4", kind: .number),
            constraints: Constraints(topology: "single", agentCount: 1, models: ["small"])
        )
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.answer == "5" && result.score == 0)
        #expect(result.costUSD == 0.0125, "the recorded cost, not 40 tokens at $1/M")
        #expect(result.usage == TokenUsage(promptTokens: 31, completionTokens: 9, estimated: false))
    }

    @Test(arguments: [
        (#"{"id": "x", "query": "q", "outcomes": {"m": {"response": "r"}}}"#, "mine.jsonl:1: outcomes.m.correct: missing"),
        (#"{"id": "x", "query": "q", "outcomes": {}}"#, "mine.jsonl:1: outcomes: expected an object with at least one"),
        (#"{"id": "x", "query": "q", "outcomes": {"m": {"correct": true, "costUSD": -1}}}"#, "mine.jsonl:1: outcomes.m.costUSD"),
        (#"{"id": "x", "query": "q", "domian": "math", "outcomes": {"m": {"correct": true}}}"#, "mine.jsonl:1: domian: unknown field"),
        ("{\"id\": \"x\"", "mine.jsonl:1: not valid JSON"),
    ])
    func aBadLineIsNamedWithItsField(line: String, message: String) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mine.jsonl").path
        try line.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: RecordingError.self) { try RecordedOutcomes.load(path: path) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test(.exclusive) func storedSingleAgentRunsBecomeOutcomesThatReplayTheSameScores() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try TraceStore.open(path: directory.appendingPathComponent("traces.sqlite").path, logger: TestSupport.logger)
        let catalog = try TestSupport.catalog()
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog, store: store)
        let file = TestSupport.workflows + "/tasks/sample-50.jsonl"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let all = try TaskParser(catalog: catalog).parse(text: text, file: file)
        let tasks = all.prefix(12).map { task in
            var single = task
            single.constraints = Constraints(topology: "single", agentCount: 1)
            return single
        }
        let results = try await orchestrator.runBatch(Array(tasks), seed: 4)
        // A debate on another task is not a single-agent run: it must be left out.
        var debate = all[12]
        debate.constraints = Constraints(topology: "debate", agentCount: 3)
        _ = try await orchestrator.run(debate, seed: 1)

        let outcomes = try await store.recordedOutcomes()
        let scored = results.filter { $0.status == .completed && $0.score != nil }
        #expect(outcomes.items.count == scored.count && outcomes.items.allSatisfy { $0.outcomes.count == 1 })
        for result in scored {
            let item = try #require(outcomes.items.first { $0.id == result.taskID })
            let model = try #require(result.plan?.agents.first?.model)
            #expect(item.outcomes[model]?.correct == ((result.score ?? 0) >= 1), "\(result.taskID)")
            #expect(item.outcomes[model]?.costUSD == result.costUSD)
        }
    }
}
