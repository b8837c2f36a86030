import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `eval --folds` from the command line, on real recorded GSM8K answers.
@Suite(.timeLimit(.minutes(5))) struct OutOfFoldCommandLineTests {
    /// A cascade whose judge is fitted on the other folds: every task judged once per seed, and the escalations it
    /// buys lift accuracy well above the cheap model alone and above the checks' escalations (the prior's cascade);
    /// a bad --fit is refused naming the option.
    @Test(.exclusive, .enabled(if: SharedData.runs, SharedData.reason)) func aCascadeJudgedOutOfFoldBeatsItsCheapLevel() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcomes = try await RecordedProviderTests.outcomes()
        let tasks = directory.appendingPathComponent("gsm8k.jsonl").path
        try outcomes.taskSetJSONL(dataset: "gsm8k", limit: 90).write(toFile: tasks, atomically: true, encoding: .utf8)
        let common = [
            "eval", tasks, "--fleet", "Workflows/fleets/recorded-routellm.json", "--recordings", RecordedCommandLineTests.data,
            "--db", directory.appendingPathComponent("e.sqlite").path, "--topology", "cascade", "--agents", "2", "--folds", "3",
            "--fold-seeds", "0,1",
        ]
        let run = try await TestSupport.runExecutable(common + ["--fit", "judge", "--json"])
        #expect(run.status == 0, "\(run.error)")
        let summary = try JSONDecoder().decode(OutOfFoldEvaluation.self, from: Data(run.output.utf8))
        #expect(summary.tasks == 90 && summary.seeds == [0, 1] && summary.folds == 3)
        let accuracy = { (name: String) in summary.strategies.first { $0.name == name }?.accuracy?.mean ?? 0 }
        #expect(accuracy("controller") > accuracy("only mixtral-8x7b") + 0.08, "\(summary.strategies)")
        // The prior's cascade has no judge: the checks decide its escalations. The fitted judge must do better.
        #expect(accuracy("controller") > accuracy("prior") + 0.03, "\(summary.strategies)")
        #expect(summary.differences.map(\.against).first == "prior")
        let refused = try await TestSupport.runExecutable(common + ["--fit", "everything"])
        #expect(refused.status != 0 && refused.error.contains("--fit"), "\(refused.error)")
    }
}
