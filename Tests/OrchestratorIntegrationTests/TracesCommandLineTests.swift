import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate traces` as a user types it.
@Suite(.timeLimit(.minutes(5)))
struct TracesCommandLineTests {
    /// The same commands on either engine: `--db` a SQLite path or a PostgreSQL URL.
    @Test(.exclusive, arguments: StoreEngine.available) func listShowStatsAndExportReadTheStore(engine: StoreEngine) async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await engine.withDatabase { (database: String) async throws in
            let ran = try await TestSupport.runExecutable([
                "run", "Workflows/tasks/example.json", "--db", database, "--topology", "debate", "--agents", "4", "--inject", "persuasive@1",
                "--verify", "check+quarantine", "--repeat", "2", "--json",
            ])
            #expect(ran.status == 0, "\(ran.error)")
            let runIDs = try ran.output.split(separator: "\n").map { try JSONDecoder().decode(RunResult.self, from: Data($0.utf8)).runID }
            #expect(runIDs.count == 2)

            let list = try await TestSupport.runExecutable(["traces", "list", "--db", database, "--topology", "debate", "--since", "1h"])
            #expect(list.status == 0 && runIDs.allSatisfy { list.output.contains(TraceIDs.short($0)) }, "\(list.output)\(list.error)")
            let none = try await TestSupport.runExecutable(["traces", "list", "--db", database, "--topology", "chain"])
            #expect(none.output.contains("no runs match"))

            let show = try await TestSupport.runExecutable(["traces", "show", TraceIDs.short(runIDs[0]), "--db", database])
            #expect(show.status == 0, "\(show.error)")
            for expected in ["plan      debate · 4 agents", "step 0", "step 2", "FAULT persuasive", "arithmetic failed", "withheld", "answer    77"] {
                #expect(show.output.contains(expected), "missing '\(expected)' in\n\(show.output)")
            }

            let stats = try await TestSupport.runExecutable(["traces", "stats", "--db", database, "--by", "topology", "model"])
            #expect(stats.status == 0 && stats.output.contains("debate") && stats.output.contains("p99 ms"), "\(stats.output)")

            let jsonl = directory.appendingPathComponent("runs.jsonl").path
            let exported = try await TestSupport.runExecutable(["traces", "export", "--db", database, "--output", jsonl])
            #expect(exported.status == 0 && exported.error.contains("exported 2 runs"), "\(exported.error)")
            let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect((object["messages"] as? [Any])?.isEmpty == false && (object["verifications"] as? [Any])?.isEmpty == false)
            }
            let otel = try await TestSupport.runExecutable(["traces", "export", "--db", database, "--format", "otel", "--limit", "1"])
            let request = try #require(try JSONSerialization.jsonObject(with: Data(otel.output.utf8)) as? [String: Any])
            #expect(request["resourceSpans"] != nil)

            let missing = try await TestSupport.runExecutable(["traces", "show", "ffffffff", "--db", database])
            #expect(missing.status == 2 && missing.error.contains("no run with an id starting or ending with 'ffffffff'"))
            let badDate = try await TestSupport.runExecutable(["traces", "list", "--db", database, "--since", "yesterday"])
            #expect(badDate.status != 0 && badDate.error.contains("--since: expected a date"))
            let copy = directory.appendingPathComponent("copy.sqlite").path
            let copied = try await TestSupport.runExecutable(["traces", "copy", "--from", database, "--to", copy, "--topology", "debate"])
            #expect(
                copied.status == 0 && copied.output.contains("copied 2 runs") && copied.error.contains("2 of 2 runs looked at"),
                "\(copied.output)\(copied.error)"
            )
            let shown = try await TestSupport.runExecutable(["traces", "show", TraceIDs.short(runIDs[0]), "--db", copy])
            #expect(shown.output == show.output, "a copied run shows as the original")
            let twice = try await TestSupport.runExecutable(["traces", "copy", "--from", database, "--to", copy])
            #expect(twice.status == 0 && twice.output.contains("copied 0 runs") && twice.output.contains("2 there already"), "\(twice.output)")
            let onto = try await TestSupport.runExecutable(["traces", "copy", "--from", database, "--to", database])
            #expect(onto.status != 0 && onto.error.contains("--from and --to name the same database"))
            let replayed = try await TestSupport.runExecutable(["replay", TraceIDs.short(runIDs[0]), "--rerun", "--db", database])
            #expect(replayed.status == 0 && replayed.output.contains("replayOf"), "\(replayed.output)\(replayed.error)")
            let replays = try await TraceStore.open(TraceDatabaseLocation(database), logger: TestSupport.logger).runs(matching: RunFilter())
            #expect(replays.count == 3 && replays.filter { $0.replayOf == runIDs[0] }.count == 1, "the replay is recorded in the same store")
        }
    }
}
