import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// RouteLLM's recorded outcomes of two real models (`../shared/data/routellm`, beside the repository): loading,
/// task sets, and runs that answer with what the models answered then.
@Suite(.enabled(if: SharedData.runs, SharedData.reason), .timeLimit(.minutes(5))) struct RecordedProviderTests {
    static let dataDirectory = SharedData.routeLLM
    static let mixtral = "mistralai/Mixtral-8x7B-Instruct-v0.1"
    static let gpt4 = "gpt-4-1106-preview"

    /// The data, parsed once. Parsing takes seconds of CPU in a debug build, so it runs on its own thread:
    /// on a thread of the shared pool it would starve the timing tests running beside it.
    static func outcomes() async throws -> RecordedOutcomes {
        try await DatasetCache.shared.outcomes(directory: dataDirectory)
    }

    static func orchestrator() async throws -> Orchestrator {
        let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows)
            .load(fleetPath: TestSupport.workflows + "/fleets/recorded-routellm.json")
        return try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            providers: ProviderRegistry(recordings: try await outcomes()),
            logger: TestSupport.logger
        )
    }

    static func pinned(_ item: RecordedOutcomes.Item, model: String, topology: String = "single", agents: Int = 1) -> OrchestrationTask {
        OrchestrationTask(
            id: item.id,
            query: item.query,
            domain: item.domain,
            expected: item.expected,
            constraints: Constraints(topology: topology, agentCount: agents, models: [model])
        )
    }

    @Test func theDataLoadsWithTheFiguresItsReadmeGives() async throws {
        let outcomes = try await Self.outcomes()
        #expect(outcomes.items.filter { $0.dataset == "gsm8k" }.count == 1319)
        #expect(outcomes.items.filter { $0.dataset == "mmlu" }.count == 14042 - 105)
        #expect(outcomes.duplicates["mmlu"] == 105)
        let gsm8k = outcomes.accuracy(dataset: "gsm8k")
        #expect(abs((gsm8k[Self.mixtral] ?? 0) - 0.6384) < 0.00005)
        #expect(abs((gsm8k[Self.gpt4] ?? 0) - 0.8567) < 0.00005)
        let first = try #require(outcomes.items.first)
        #expect(first.expected == ExpectedAnswer(value: "18", kind: .number))
        #expect(first.outcomes[Self.mixtral]?.response?.contains("#### 18") == true)
        #expect(outcomes.items.last?.expected == nil && outcomes.items.last?.outcomes[Self.gpt4]?.response == nil)
    }

    @Test func taskSetsParseAsTaskFilesWithExpectedAnswersWhereTheDataHasThem() async throws {
        let outcomes = try await Self.outcomes()
        let parser = TaskParser(catalog: try TestSupport.catalog())
        let gsm8k = try parser.parse(text: outcomes.taskSetJSONL(dataset: "gsm8k", limit: 25), file: "gsm8k.jsonl")
        #expect(gsm8k.count == 25)
        #expect(gsm8k.allSatisfy { $0.expected?.kind == .number && $0.domain == .math })
        #expect(gsm8k[0].id == "gsm8k-0001" && gsm8k[0].query == outcomes.items[0].query)
        let mmlu = try parser.parse(text: outcomes.taskSetJSONL(dataset: "mmlu", limit: 25), file: "mmlu.jsonl")
        #expect(mmlu.count == 25 && mmlu.allSatisfy { $0.expected == nil && $0.answerKind == .choice })
        #expect(mmlu[0].id == "mmlu-abstract-algebra-0001")
    }

    @Test func aGSM8KRunAnswersWithTheRecordedResponseAndIsScoredAgainstTheExpectedAnswer() async throws {
        let outcomes = try await Self.outcomes()
        let orchestrator = try await Self.orchestrator()
        let item = try #require(outcomes.items.first { $0.dataset == "gsm8k" && $0.outcomes[Self.mixtral]?.correct == false })
        for (model, id) in [("mixtral-8x7b", Self.mixtral), ("gpt-4-1106", Self.gpt4)] {
            let result = try await orchestrator.run(Self.pinned(item, model: model), seed: 3)
            #expect(result.status == .completed)
            let messages = try await orchestrator.store.messages(runID: result.runID)
            #expect(messages.count == 1)
            #expect(messages.first?.response == item.outcomes[id]?.response)
            #expect(messages.first?.recordedCorrect == item.outcomes[id]?.correct)
            #expect(messages.first?.tokensEstimated == true)
            #expect(result.costUSD > 0)
            #expect(result.score == ((item.outcomes[id]?.correct ?? false) ? 1 : 0), "\(model) on \(item.id): \(result.answer ?? "-")")
        }
    }

    @Test func anMMLURunIsScoredByTheRecordedJudgement() async throws {
        let outcomes = try await Self.outcomes()
        let orchestrator = try await Self.orchestrator()
        let item = try #require(
            outcomes.items.first { $0.dataset == "mmlu" && $0.outcomes[Self.mixtral]?.correct == false && $0.outcomes[Self.gpt4]?.correct == true }
        )
        let wrong = try await orchestrator.run(Self.pinned(item, model: "mixtral-8x7b"), seed: 1)
        let right = try await orchestrator.run(Self.pinned(item, model: "gpt-4-1106"), seed: 1)
        #expect(wrong.score == 0 && right.score == 1)
        #expect(wrong.answer == nil && right.answer == nil)
        let debate = try await orchestrator.run(Self.pinned(item, model: "gpt-4-1106", topology: "vote-ensemble", agents: 3), seed: 1)
        #expect(debate.status == .completed && debate.score == 1 && debate.messageCount == 3)
    }

    @Test func aQueryTheRecordingsDoNotHaveFailsTheRunWithAClearError() async throws {
        let orchestrator = try await Self.orchestrator()
        let task = OrchestrationTask(
            id: "unknown",
            query: "What is the capital of Atlantis?",
            constraints: Constraints(topology: "single", agentCount: 1)
        )
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.status == .failed)
        #expect(result.error?.contains("not in the recordings") == true, "\(result.error ?? "-")")
    }

    @Test func aFolderWithoutRecordingsIsAClearError() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: RecordingError.self) { try RouteLLMDataset.load(directory: directory.path) }
        try "prompt,m\n\"What?\",maybe\n".write(to: directory.appendingPathComponent("gsm8k_responses.csv"), atomically: true, encoding: .utf8)
        let error = #expect(throws: RecordingError.self) { try RouteLLMDataset.load(directory: directory.path) }
        #expect(error?.description.contains("field 'm': expected True or False, got \"maybe\"") == true, "\(error.map { "\($0)" } ?? "-")")
    }
}

/// Loads each recordings folder once per test process, on a thread of its own.
actor DatasetCache {
    static let shared = DatasetCache()
    private var loads: [String: Task<RecordedOutcomes, any Error>] = [:]

    func outcomes(directory: String) async throws -> RecordedOutcomes {
        if let load = loads[directory] { return try await load.value }
        let load = Task { try await TestSupport.onOwnThread { try RouteLLMDataset.load(directory: directory) } }
        loads[directory] = load
        return try await load.value
    }
}
