import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate replay` as a user types it.
@Suite(.timeLimit(.minutes(5)))
struct ReplayCommandLineTests {
    @Test(.exclusive) func stepsRerunsAndComparesAController() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let ran = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--topology", "debate", "--agents", "4", "--inject", "persuasive@2",
            "--verify",
            "off",
            "--json",
        ])
        #expect(ran.status == 0, "\(ran.error)")
        let result = try JSONDecoder().decode(RunResult.self, from: Data(ran.output.utf8))
        let short = TraceIDs.short(result.runID)

        let steps = try await TestSupport.runExecutable(["replay", short, "--db", database])
        #expect(steps.status == 0 && steps.output.contains("step 1") && steps.output.contains("shown   #2 → "), "\(steps.output)\(steps.error)")

        let same = try await TestSupport.runExecutable(["replay", short, "--db", database, "--rerun"])
        #expect(same.status == 0 && same.output.contains("no change: the replay reproduces the stored run"), "\(same.output)\(same.error)")

        let checked = try await TestSupport.runExecutable(["replay", short, "--db", database, "--rerun", "--verify", "check+quarantine"])
        #expect(checked.output.contains("flagged messages"), "\(checked.output)")

        let controller = directory.appendingPathComponent("c.json").path
        let trained = try await TestSupport.runExecutable([
            "train", "Workflows/tasks/sample-50.jsonl", "--db", directory.appendingPathComponent("train.sqlite").path, "--epochs", "1",
            "--output",
            controller,
        ])
        #expect(trained.status == 0, "\(trained.error)")
        let compared = try await TestSupport.runExecutable(["replay", short, "--db", database, "--controller", controller, "--over", "10"])
        #expect(compared.status == 0, "\(compared.error)")
        #expect(compared.output.contains("would have chosen") && compared.output.contains("estimated utility"), "\(compared.output)")
        #expect(compared.output.contains("over the newest 1 stored runs"), "replays are left out: \(compared.output)")

        let wrong = try await TestSupport.runExecutable(["replay", short, "--db", database, "--verify", "off"])
        #expect(wrong.status != 0 && wrong.error.contains("add --rerun"))
    }
}
