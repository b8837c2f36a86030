import Foundation
import Testing

@testable import Orchestrator

/// The default catalogue the library carries: in step with Workflows/, used where the working directory has none,
/// never in place of a folder of the user's own.
@Suite(.timeLimit(.minutes(5))) struct BundledCatalogueTests {
    @Test func theBundledFilesAreWorkflowsAsItIs() throws {
        var expected: [String] = []
        for folder in ["roles", "topologies"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: TestSupport.workflows + "/" + folder)
            expected += names.filter { $0.hasSuffix(".json") }.map { "\(folder)/\($0)" }
        }
        expected.append("fleets/simulated.json")
        #expect(Set(BundledWorkflows.files.keys) == Set(expected), "run scripts/bundle-workflows.py after editing Workflows/")
        for (path, text) in BundledWorkflows.files {
            let onDisk = try String(contentsOfFile: TestSupport.workflows + "/" + path, encoding: .utf8)
            #expect(onDisk.trimmingCharacters(in: .newlines) == text, "\(path) differs: run scripts/bundle-workflows.py")
        }
    }

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
