import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The `orchestrate` executable run where no `Workflows/` folder is.
@Suite(.timeLimit(.minutes(5))) struct BundledCatalogueCommandLineTests {
    @Test func theCLIRunsFromAFolderWithoutWorkflows() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = TestSupport.workflows + "/tasks/example.json"
        let run = try await TestSupport.runExecutable(["run", task, "--db", directory.appendingPathComponent("t.sqlite").path], in: directory)
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("simulated (6 models)") && run.output.contains("✓ expected 77"), "\(run.output)")
        let other = try await TestSupport.runExecutable(["run", task, "--workflows", "Elsewhere"], in: directory)
        #expect(other.status == 2 && other.error.contains("Elsewhere"), "a folder named and missing is an error, not the bundle")
    }
}
