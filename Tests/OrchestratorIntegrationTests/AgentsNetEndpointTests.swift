import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate-bench agentsnet` against a real OpenAI-compatible endpoint.
@Suite(.timeLimit(.minutes(5))) struct AgentsNetEndpointTests {
    /// `orchestrate-bench agentsnet` against a real OpenAI-compatible endpoint whose first eight answers fail in every
    /// way it can (429, a truncated body, 500, a timeout, a dropped connection): every call is retried once, the four
    /// agents' first calls exhaust their retries and fall back to the second model, and the run ends recorded.
    @Test(.exclusive) func aFlakyEndpointIsRetriedAndFallenBackFromAndTheRunIsRecorded() async throws {
        let reply = "Thinking.\n{}\n### Final Answer ### No"
        let failures: [FaultyOpenAIServer.Behaviour] = [
            .status(429, retryAfter: "0"), .truncatedJSON, .status(500), .slow(seconds: 1, then: reply),
            .closeConnection, .status(429, retryAfter: "0"), .truncatedJSON, .status(500),
        ]
        let server = try await FaultyOpenAIServer.start(["m": failures + [.reply(reply)], "f": [.reply(reply)]])
        defer { Task { await server.stop() } }
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = directory.appendingPathComponent("fleet.json").path
        func model(_ name: String) -> String {
            #"{"name": "\#(name)", "provider": "openai", "modelID": "\#(name)", "endpoint": "\#(server.baseURL)", "description": "test endpoint", "limits": {"concurrency": 1, "maxRetries": 1, "timeoutSeconds": 0.3}}"#
        }
        try #"{"name": "flaky", "description": "d", "models": [\#(model("m")), \#(model("f"))]}"#.write(
            toFile: fleet,
            atomically: true,
            encoding: .utf8
        )
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runBench([
            "agentsnet", "--fleet", fleet, "--model", "m", "--fallback", "f", "--problem", "leader-election", "--graph", "small-world-4",
            "--seeds", "1", "--policies", "check", "--db", database,
        ])
        #expect(run.status == 0, "\(run.error)")
        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        let runs = try await store.recentRuns()
        #expect(runs.count == 1 && runs.allSatisfy { $0.status == .completed })
        let rows = try await store.messages(runID: try #require(runs.first?.id))
        let failed = rows.filter { $0.error != nil }
        #expect(failed.count == failures.count, "\(failed.map { $0.errorKind ?? "" })")
        #expect(Set(failed.compactMap(\.errorKind)).isSuperset(of: ["rateLimited", "invalidResponse", "timeout", "connection"]))
        #expect(failed.allSatisfy { $0.model == "m" && $0.recovery != nil })
        #expect(rows.filter { $0.fallbackFrom == "m" && $0.model == "f" && $0.error == nil }.count >= 4, "each agent fell back")
        #expect(rows.filter { $0.error == nil }.allSatisfy { $0.model == "f" }, "m is down for the rest of the run")
        let fallbacks = rows.filter { $0.fallbackFrom == "m" && $0.attempt == 1 }.count
        #expect(runs.first?.fallbacks == fallbacks && fallbacks >= 4, "the run row counts the fallbacks")
    }
}
