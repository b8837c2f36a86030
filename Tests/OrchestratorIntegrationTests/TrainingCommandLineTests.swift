import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate train` and `orchestrate run --controller`, as a user types them.
@Suite(.timeLimit(.minutes(5)))
struct TrainingCommandLineTests {
    @Test(.exclusive) func trainWritesAControllerThatRunUsesAndRecords() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let controller = directory.appendingPathComponent("controllers/c.json").path
        let trained = try await TestSupport.runExecutable([
            "train", "Workflows/tasks/sample-50.jsonl", "--db", database, "--output", controller, "--epochs", "1", "--batch-size", "25",
            "--parallel", "16",
        ])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("epoch 1  batch 2/2  utility"), "\(trained.output)")
        let version = try #require(trained.output.range(of: #"trained-[0-9a-f]{12}"#, options: .regularExpression).map { String(trained.output[$0]) })
        let run = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--db", database, "--controller", controller, "--json"])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("\"controllerVersion\":\"\(version)\""))
        let local = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--controller", controller, "--fleet", "Workflows/fleets/local.json",
        ])
        #expect(local.status == 2 && local.error.contains("trained on catalogue"), "\(local.error)")

        let offPolicy = directory.appendingPathComponent("controllers/off.json").path
        let fromTraces = try await TestSupport.runExecutable([
            "train", "--from-traces", "--db", database, "--output", offPolicy, "--epochs", "2", "--behaviour", controller,
        ])
        #expect(fromTraces.status == 0, "\(fromTraces.error)")
        #expect(fromTraces.output.contains("training off-policy on 51 stored runs"), "\(fromTraces.output)")
        #expect(fromTraces.output.contains("used 51 runs, skipped 0"), "\(fromTraces.output)")
        #expect(FileManager.default.fileExists(atPath: offPolicy))
        let neither = try await TestSupport.runExecutable(["train", "--db", database])
        #expect(neither.status != 0 && neither.error.contains("--from-traces"))
    }
}
