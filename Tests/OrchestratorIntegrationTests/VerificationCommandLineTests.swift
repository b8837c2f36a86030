import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate run --verify/--inject` and `orchestrate-bench`, as a user would type them.
@Suite(.timeLimit(.minutes(5)))
struct VerificationCommandLineTests {
    @Test func runInjectsAFaultAndReportsWhatVerificationDid() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--topology", "debate", "--agents", "6",
            "--inject", "persuasive@1=114", "--verify", "check+quarantine", "--repeat", "2",
        ])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("bakery-boxes#1") && run.output.contains("bakery-boxes#2"))
        #expect(run.output.contains("check+quarantine · 2 flagged"), "\(run.output)")
        #expect(run.output.contains("quarantined agent 1 · fault: agent 1 persuasive → 114"))
        #expect(run.output.contains("propagation"))

        let bad = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--db", database, "--inject", "lying@2"])
        #expect(bad.status != 0)
        #expect(bad.error.contains("expected one of wrong-answer, garbage, persuasive"), "\(bad.error)")
        let outside = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--topology", "single", "--agents", "3",
        ])
        #expect(outside.status == 2)
        #expect(
            outside.error.contains("--agents on task bakery-boxes: constraints.agentCount: expected 1 to 1 agents for topology 'single', got 3"),
            "\(outside.error)"
        )
    }

    @Test(.exclusive) func benchPropagationComparesEveryPolicyOnTheSameTasks() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runBench([
            "propagation", "Workflows/tasks/sample-50.jsonl", "--domain", "math", "--topology", "debate", "--agents", "4",
            "--inject", "persuasive@random", "--db", database, "--parallel", "16",
        ])
        #expect(run.status == 0, "\(run.error)")
        let rows = run.output.split(separator: "\n").map(String.init)
        #expect(rows.first?.contains("30 runs per policy") == true, "\(run.output)")
        for policy in ["off ", "check ", "check+quarantine "] {
            #expect(rows.contains { $0.hasPrefix(policy) && $0.contains("30") }, "\(policy): \(run.output)")
        }
        let missing = try await TestSupport.runBench(["propagation", "Workflows/tasks/sample-50.jsonl", "--db", database])
        #expect(missing.status != 0 && missing.error.contains("--inject"))
    }

    @Test(.exclusive, .enabled(if: SharedData.runs, SharedData.reason)) func benchEscalationReportsCatchesAndFalseAlarmsOnTheRecordedData()
        async throws
    {
        let run = try await TestSupport.runBench(["escalation", "--recordings", RecordedCommandLineTests.data, "--no-runs"])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("checked escalation on recorded gsm8k: 1319 questions"))
        // Graded as runs are scored: GPT-4's "#### $20.00" against 20 is right, which RouteLLM's grading denies.
        #expect(run.output.contains("gpt-4-1106-preview 42 now right, 0 now wrong"), "\(run.output)")
        #expect(run.output.contains("always gpt-4-1106                    88.86%"))
        #expect(run.output.range(of: #"failed-checks: caught \d+ of 476 wrong mixtral-8x7b answers"#, options: .regularExpression) != nil)
        // The dataset's own grading gives the figures its README gives.
        let dataset = try await TestSupport.runBench([
            "escalation", "--recordings", RecordedCommandLineTests.data, "--no-runs", "--dataset-grading", "--split-seeds", "0",
        ])
        #expect(dataset.output.contains("grading: the dataset's own"))
        #expect(dataset.output.contains("always gpt-4-1106                    85.67%"))
        #expect(dataset.output.range(of: #"failed-checks: caught \d+ of 477 wrong mixtral-8x7b answers"#, options: .regularExpression) != nil)
        let unknown = try await TestSupport.runBench([
            "escalation", "--recordings", RecordedCommandLineTests.data, "--cheap", "gpt-5",
        ])
        #expect(unknown.status == 2 && unknown.error.contains("no model 'gpt-5'"))
    }
}
