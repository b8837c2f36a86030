import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate import routellm` and runs of the recorded fleet, as a user would type them.
@Suite(.timeLimit(.minutes(5)))
struct RecordedCommandLineTests {
    static let data = "../shared/data/routellm"

    @Test(.exclusive, .enabled(if: SharedData.runs, SharedData.reason)) func importWritesTaskSetsThatTheRecordedFleetRuns() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let imported = try await TestSupport.runExecutable(["import", "routellm", Self.data, "--output", directory.path, "--limit", "40"])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("gsm8k: 40 tasks"))
        #expect(imported.output.contains("mmlu: 40 tasks"))
        #expect(imported.output.contains("gpt-4-1106-preview 85.67%"))

        let database = directory.appendingPathComponent("traces.sqlite").path
        for dataset in ["gsm8k", "mmlu"] {
            let run = try await TestSupport.runExecutable([
                "run", directory.appendingPathComponent("\(dataset).jsonl").path, "--fleet", "Workflows/fleets/recorded-routellm.json",
                "--recordings", Self.data, "--db", database, "--json",
            ])
            #expect(run.status == 0, "\(dataset): \(run.error)")
            let results = try run.output.split(separator: "\n").map { try JSONDecoder().decode(RunResult.self, from: Data($0.utf8)) }
            #expect(results.count == 40)
            #expect(results.allSatisfy { $0.status == .completed && $0.score != nil && !$0.simulated && $0.usage.estimated })
            let accuracy = results.compactMap(\.score).reduce(0, +) / Double(results.count)
            #expect(accuracy > 0.2 && accuracy < 1, "\(dataset): \(accuracy)")
        }
    }

    @Test func aRecordedFleetWithoutRecordingsIsRefusedBeforeAnythingRuns() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--fleet", "Workflows/fleets/recorded-routellm.json", "--db", database,
        ])
        #expect(run.status == 2)
        #expect(run.error.contains("--recordings"))
        #expect(!FileManager.default.fileExists(atPath: database))
        let missing = try await TestSupport.runExecutable(["import", "routellm", directory.appendingPathComponent("absent").path])
        #expect(missing.status == 2)
        #expect(missing.error.contains("expected a folder of RouteLLM's recorded outcomes"))
    }
}
