import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// End to end against a real language model: Gemma 3 270M behind llama-cpp-python's OpenAI-compatible server,
/// started by `scripts/local-llm.sh` (and by `scripts/test.sh`, which also requires this test to run).
@Suite(
    .enabled(
        if: LocalModel.url != nil || LocalModel.required,
        "no local model: run scripts/test.sh, or `eval \"$(scripts/local-llm.sh start)\"` before swift test"
    ),
    .timeLimit(.minutes(5))
)
struct LocalModelTests {
    @Test(.exclusive) func multiAgentRunsThroughTheCommandLineGetRealRepliesAndTokenCounts() async throws {
        _ = try #require(LocalModel.url, "ORCHESTRATE_LOCAL_LLM_URL is not set: start the model with scripts/local-llm.sh start")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("local.sqlite").path
        let run = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/local-smoke.jsonl", "--fleet", "Workflows/fleets/local.json", "--db", database, "--json", "--parallel", "1",
        ])
        #expect(run.status == 0, "\(run.error)")
        let results = try run.output.split(separator: "\n").map { try JSONDecoder().decode(RunResult.self, from: Data($0.utf8)) }
        #expect(results.map(\.taskID) == ["eggs", "planet", "pencils"])
        for result in results {
            #expect(result.status == .completed, "\(result.taskID): \(result.error ?? "")")
            #expect(!result.simulated)
            #expect((result.plan?.agents.count ?? 0) >= 2)
            #expect(result.messageCount >= 2)
            #expect(result.usage.promptTokens > 50 && result.usage.completionTokens > 0 && !result.usage.estimated)
            #expect(result.costUSD > 0)
        }

        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        for result in results {
            let messages = try await store.messages(runID: result.runID)
            #expect(messages.count == result.messageCount)
            for message in messages where message.error == nil {
                #expect(message.provider == "openai")
                #expect(message.response?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false)
                #expect(message.promptTokens > 50 && message.completionTokens > 0 && !message.tokensEstimated)
                #expect(message.latencyMilliseconds > 1)
                #expect(message.promptJSON.contains("Tom has 3 apples"), "the fleet's few-shot examples are sent")
            }
        }
    }

    @Test func theControllerPlansWithTheModelsOwnEmbeddings() async throws {
        let url = try #require(LocalModel.url, "ORCHESTRATE_LOCAL_LLM_URL is not set: start the model with scripts/local-llm.sh start")
        let embedder = try await OpenAIEmbedder.connect(endpoint: url, model: "gemma-270m")
        #expect(embedder.dimension >= 64)
        let vectors = try await embedder.embed(["How many apples are left?", "How many apples remain?", "Name the capital of France."])
        #expect(vectors.allSatisfy { abs($0.dot($0) - 1) < 1e-6 })
        #expect(vectors[0].dot(vectors[1]) != vectors[0].dot(vectors[2]), "distinct texts get distinct vectors")
        let orchestrator = try await Orchestrator(
            catalog: try TestSupport.catalog(),
            store: try TraceStore.inMemory(),
            embedder: embedder,
            logger: TestSupport.logger
        )
        let result = try await orchestrator.run(OrchestrationTask(id: "served", query: "What is 14 * 12 - 54 - 37?"), seed: 3)
        #expect(result.status == .completed && result.plan != nil, "\(result.error ?? "")")
    }
}

/// Where the local model is, as `scripts/local-llm.sh start` exports it, and whether the test must run.
enum LocalModel {
    static let url = ProcessInfo.processInfo.environment["ORCHESTRATE_LOCAL_LLM_URL"]
    /// Set by `scripts/test.sh` (and so by CI): the test then fails instead of being skipped without a model.
    static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_LOCAL_LLM"] == "1"
}
