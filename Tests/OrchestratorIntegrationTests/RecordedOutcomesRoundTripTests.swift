import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// RouteLLM's real recorded outcomes (../shared/data) through the general recordings format.
@Suite(.timeLimit(.minutes(5))) struct RecordedOutcomesRoundTripTests {
    @Test(.exclusive, .enabled(if: SharedData.runs, SharedData.reason)) func routeLLMsDataRoundTripsWithTheSameAccuraciesAndResponses() async throws {
        let original = try await RecordedProviderTests.outcomes()
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("routellm.jsonl").path
        try RecordedOutcomesFile.jsonl(original).write(toFile: path, atomically: true, encoding: .utf8)
        let copy = try await TestSupport.onOwnThread { try RecordedOutcomes.load(path: path) }
        #expect(copy.items.count == original.items.count && copy.models == original.models)
        for dataset in ["gsm8k", "mmlu"] {
            #expect(copy.accuracy(dataset: dataset) == original.accuracy(dataset: dataset), "\(dataset)")
        }
        #expect(abs((copy.accuracy(dataset: "gsm8k")[RecordedProviderTests.gpt4] ?? 0) - 0.8567) < 0.00005)
        let mismatched = zip(original.items, copy.items).filter {
            $0.id != $1.id || $0.query != $1.query || $0.expected != $1.expected || $0.domain != $1.domain || $0.outcomes != $1.outcomes
        }
        #expect(mismatched.isEmpty, "\(mismatched.prefix(1).map(\.0.id))")
    }
}
