import Foundation
import OrchestratorTestSupport
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

}
