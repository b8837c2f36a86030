import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The `orchestrate` executable, run as a user would run it.
@Suite(.timeLimit(.minutes(5)))
struct CommandLineTests {
    @Test func runPrintsThePlanTheAnswerAndTheRunID() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--db", database, "--seed", "3"])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("SIMULATED"))
        #expect(run.output.contains("plan "))
        #expect(run.output.contains("answer "))
        #expect(run.output.contains("cost $"))
        #expect(run.output.range(of: #"run\s+[0-9a-f-]{36}"#, options: .regularExpression) != nil)
    }

    /// `ORCHESTRATE_DB` names the store for every command that is not given `--db`; `--db` still wins.
    @Test func theTraceDatabaseComesFromTheEnvironmentUnlessNamed() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let shared = directory.appendingPathComponent("shared.sqlite").path
        let environment = ["ORCHESTRATE_DB": shared]
        let run = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--json"], environment: environment)
        #expect(run.status == 0, "\(run.error)")
        let runID = try JSONDecoder().decode(RunResult.self, from: Data(run.output.utf8)).runID
        #expect(try await TraceStore.open(path: shared, logger: TestSupport.logger).run(id: runID) != nil, "the run is in $ORCHESTRATE_DB")
        let list = try await TestSupport.runExecutable(["traces", "list"], environment: environment)
        #expect(list.output.contains(TraceIDs.short(runID)), "\(list.output)\(list.error)")
        let named = directory.appendingPathComponent("named.sqlite").path
        let elsewhere = try await TestSupport.runExecutable(["traces", "list", "--db", named], environment: environment)
        #expect(elsewhere.status == 2 && elsewhere.error.contains(named), "--db wins over the environment")
    }

    /// `orchestrate feedback RUN SCORE` scores a stored run by its short id; a score out of bounds is refused with
    /// the field named, and leaves nothing.
    @Test func feedbackScoresAStoredRun() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--json", "--db", database])
        #expect(run.status == 0, "\(run.error)")
        let runID = try JSONDecoder().decode(RunResult.self, from: Data(run.output.utf8)).runID
        let given = try await TestSupport.runExecutable(["feedback", TraceIDs.short(runID), "0.4", "--note", "half right", "--db", database])
        #expect(given.status == 0 && given.output.contains(runID), "\(given.output)\(given.error)")
        let refused = try await TestSupport.runExecutable(["feedback", TraceIDs.short(runID), "1.5", "--db", database])
        #expect(refused.status == 2 && refused.error.contains("score must be a number from 0 to 1"), "\(refused.error)")
        let kept = try await TraceStore.open(path: database, logger: TestSupport.logger).feedback(runID: runID)
        #expect(kept.map(\.score) == [0.4] && kept.map(\.note) == ["half right"] && kept.map(\.source) == ["cli"])
    }

    @Test func controllerPromoteRollbackAndHistoryChangeAndShowTheLiveVersion() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let run = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--db", database])
        #expect(run.status == 0, "\(run.error)")
        let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows).load(fleetPath: nil)
        var parameters = try await CascadedController(catalog: catalog).zeroParameters
        parameters.version = "trained-by-hand"
        let file = directory.appendingPathComponent("controller.json").path
        try parameters.save(path: file)

        let before = try await TestSupport.runExecutable(["controller", "history", "--db", database])
        #expect(before.status == 0 && before.output.contains("live: prior-1 (nothing promoted)"), "\(before.output)\(before.error)")
        #expect(before.output.contains("prior-1: 1 runs (1 scored)"), "\(before.output)")
        let promoted = try await TestSupport.runExecutable(["controller", "promote", file, "--db", database])
        #expect(promoted.status == 0 && promoted.output.contains("live: trained-by-hand (was prior-1)"), "\(promoted.output)\(promoted.error)")
        let history = try await TestSupport.runExecutable(["controller", "history", "--db", database])
        #expect(
            history.output.contains("live: trained-by-hand") && history.output.contains("trained-by-hand ← prior-1 (manual)"),
            "\(history.output)"
        )
        #expect(history.output.contains("trained-by-hand  ") && history.output.contains("imported, imported"), "\(history.output)")
        let back = try await TestSupport.runExecutable(["controller", "rollback", "--db", database])
        #expect(back.status == 0 && back.output.contains("live: prior-1 (rolled back from trained-by-hand)"), "\(back.output)\(back.error)")
        let nothingLeft = try await TestSupport.runExecutable(["controller", "rollback", "--db", database])
        #expect(nothingLeft.status == 2 && nothingLeft.error.contains("has no earlier controller to roll back to"), "\(nothingLeft.error)")
        let unknown = try await TestSupport.runExecutable(["controller", "promote", "trained-nowhere", "--db", database])
        #expect(unknown.status == 2 && unknown.error.contains("controller trained-nowhere is not stored in"), "\(unknown.error)")
    }

    @Test func jsonRunsWithTheSameSeedAgree() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        var results: [RunResult] = []
        for _ in 0..<2 {
            let run = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--db", database, "--seed", "9", "--json"])
            #expect(run.status == 0, "\(run.error)")
            let lines = run.output.split(separator: "\n")
            #expect(lines.count == 1)
            results.append(try JSONDecoder().decode(RunResult.self, from: Data(try #require(lines.first).utf8)))
        }
        #expect(results[0].plan == results[1].plan)
        #expect(results[0].answer == results[1].answer)
        #expect(results[0].simulated)
        #expect(results[0].runID != results[1].runID)
    }

    @Test func malformedFilesGiveOneLineAndStartNothing() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let files = [
            "unknown.json": #"{"query": "x", "colour": 1}"#,
            "type.json": #"{"query": 5}"#,
            "missing.json": #"{"id": "a"}"#,
            "range.json": "{\n  \"query\": \"x\",\n  \"budget\": {\"maxAgents\": 0}\n}",
            "pin.json": #"{"query": "x", "constraints": {"topology": "pyramid"}}"#,
            "syntax.json": "{\n  \"query\": \"x\",\n}",
            "batch.jsonl": "{\"query\": \"a\"}\n{\"query\": \"b\"\n",
        ]
        for (name, text) in files {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try await TestSupport.runExecutable(["run", path, "--db", database])
            #expect(run.status == 2, "\(name)")
            let lines = run.error.split(separator: "\n")
            #expect(lines.count == 1, "\(name): \(run.error)")
            #expect(lines.first?.hasPrefix("error: \(path):") == true, "\(name): \(run.error)")
            #expect(run.output.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: database), "no run may be started, not even the database")
    }
}
