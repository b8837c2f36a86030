import Foundation
import GRDB
import Logging
import OrchestratorTestSupport
import PostgresNIO
import Testing

@testable import Orchestrator

/// The PostgreSQL engine against a real server (`scripts/postgres.sh`): the same schema and migrations, and the same
/// rows for the same events or stored runs as the SQLite store. Each test has a database of its own.
@Suite(.enabled(if: PostgresServer.runs, PostgresServer.reason), .timeLimit(.minutes(5)))
struct PostgresTraceEngineTests {
    /// A fresh PostgreSQL store on the test cluster, dropped when `body` ends.
    static func withDatabase<T: Sendable>(_ body: (TraceStore) async throws -> T) async throws -> T {
        try await StoreEngine.postgres.withStore(body)
    }

    /// `traces copy --to postgres://…` uploads a laptop's runs: each read back from PostgreSQL as SQLite has it, once.
    @Test(.exclusive) func tracesCopyUploadsRunsIntoPostgreSQL() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("laptop.sqlite").path
        let ran = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--topology", "debate", "--agents", "3", "--repeat", "2", "--json",
        ])
        #expect(ran.status == 0, "\(ran.error)")
        let runIDs = try ran.output.split(separator: "\n").map { try JSONDecoder().decode(RunResult.self, from: Data($0.utf8)).runID }
        let laptop = try TraceStore.open(path: database, logger: TestSupport.logger)
        try await StoreEngine.postgres.withDatabase { url in
            let engine = try await TraceStore.open(TraceDatabaseLocation(url), logger: TestSupport.logger)
            let copied = try await TestSupport.runExecutable(["traces", "copy", "--from", database, "--to", url])
            #expect(copied.status == 0 && copied.output.contains("copied 2 runs"), "\(copied.output)\(copied.error)")
            let password = try #require(URLComponents(string: url)?.password)
            #expect(!(copied.output + copied.error).contains(password), "the password is never printed")
            for id in runIDs {
                let original = try #require(try await laptop.trace(runID: id))
                #expect(try await engine.trace(runID: id)?.positional == original.positional)
            }
            let again = try await TestSupport.runExecutable(["traces", "copy", "--from", database, "--to", url])
            #expect(again.output.contains("copied 0 runs") && again.output.contains("2 there already"), "\(again.output)")
            // And back out, filtered: a production store sampled for offline work.
            let sample = directory.appendingPathComponent("sample.sqlite").path
            let out = try await TestSupport.runExecutable(["traces", "copy", "--from", url, "--to", sample, "--limit", "1"])
            #expect(out.status == 0 && out.output.contains("copied 1 run "), "\(out.output)\(out.error)")
            let sampled = try TraceStore.open(path: sample, logger: TestSupport.logger)
            let newest = try #require(try await laptop.runs(matching: RunFilter(limit: 1)).first)
            #expect(try await sampled.trace(runID: newest.id)?.positional == (try await laptop.trace(runID: newest.id))?.positional)
        }
    }

    /// Every filter of `traces` selects the same runs on PostgreSQL as on SQLite.
    @Test func filtersSelectTheSameRunsOnBothEngines() async throws {
        let sqlite = try TraceStore.inMemory()
        let ids = try await TestSupport.debateAndCascadeRuns(in: sqlite)
        try await sqlite.beginRun(TestSupport.runRecord(id: "unfinished"))
        let debate = try #require(try await sqlite.trace(runID: ids[0]))
        let cascade = try #require(try await sqlite.trace(runID: ids[1]))
        let filters = [
            RunFilter(),
            RunFilter(status: .completed),
            RunFilter(status: .running),
            RunFilter(topology: "debate"),
            RunFilter(model: cascade.agents[1].model),
            RunFilter(role: debate.agents[0].role),
            RunFilter(taskID: "cascade"),
            RunFilter(since: cascade.run.startedAt),
            RunFilter(until: cascade.run.startedAt),
            RunFilter(minScore: 0.5),
            RunFilter(maxScore: 0.5),
            RunFilter(limit: 1),
            RunFilter(topology: "debate", limit: 2),
        ]
        try await Self.withDatabase { engine in
            for id in ids + ["unfinished"] {
                #expect(try await engine.insert(try #require(try await sqlite.trace(runID: id))))
            }
            var selected: Set<[String]> = []
            for filter in filters {
                let expected = try await sqlite.runIDs(matching: filter)
                #expect(try await engine.runIDs(matching: filter) == expected, "\(filter)")
                selected.insert(expected)
            }
            #expect(selected.count >= 5, "the filters select different runs: \(selected)")
        }
    }

    @Test func theSchemaAndItsMigrationsAreTheSQLiteStores() async throws {
        try await Self.withDatabase { store in
            let engine = try #require(store.engine as? PostgresTraceEngine)
            try await engine.migrate()  // a second time: nothing to do
            let migrations = try await store.rows(TraceQuery("SELECT \"identifier\" FROM \"grdb_migrations\" ORDER BY \"identifier\""))
            #expect(migrations.map { $0["identifier"] as String } == TraceStore.migrator.migrations.sorted())
            for table in TraceSchema.tables {
                let query = TraceQuery(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [.text(table.name)]
                )
                let columns = try await store.rows(query).map { $0["column_name"] as String }
                #expect(columns == (table.autoIncrementedID ? ["id"] : []) + table.columns.map(\.name), "table \(table.name)")
            }
        }
    }

    /// A store made before the write marks (`v7-run-writes`), feedback (`v8-feedback`) and controller versions
    /// (`v9-controllers`, which also adds a column to `runs`) gets their tables when opened, and a store behind by a
    /// migration that changes a table otherwise is refused with what it is at.
    @Test func aStoreMadeByAnEarlierVersionIsBroughtUpToDate() async throws {
        try await Self.withDatabase { store in
            let engine = try #require(store.engine as? PostgresTraceEngine)
            for table in ["runWrites", "feedback", "controllerVersions", "controllerPromotions"] {
                _ = try await engine.change(TraceQuery("DROP TABLE \"\(table)\""))
            }
            _ = try await engine.change(TraceQuery("ALTER TABLE \"runs\" DROP COLUMN \"explorationFloor\""))
            _ = try await engine.change(
                TraceQuery("DELETE FROM \"grdb_migrations\" WHERE \"identifier\" IN ('v7-run-writes', 'v8-feedback', 'v9-controllers')")
            )
            try await engine.migrate()
            var run = TestSupport.runRecord(id: "upgraded")
            run.explorationFloor = 0.1
            _ = try await store.write([.runStarted(run)], runID: run.id, known: [:], batch: 0)
            let marks = try await store.rows(TraceQuery("SELECT \"batches\" FROM \"runWrites\" WHERE \"runID\" = ?", [.text(run.id)]))
            #expect(marks.map { $0["batches"] as Int } == [1])
            _ = try await store.recordFeedback(on: run.id, score: 0.5, source: "library")
            #expect(try await store.feedback(runID: run.id).map(\.score) == [0.5])
            #expect(try await store.run(id: run.id)?.explorationFloor == 0.1)
            _ = try await store.promoteController(CascadedController.priorVersion, catalogHash: "upgraded", reason: .manual)
            #expect(try await store.liveController(catalogHash: "upgraded")?.version == CascadedController.priorVersion)

            _ = try await engine.change(
                TraceQuery(
                    "DELETE FROM \"grdb_migrations\" WHERE \"identifier\" IN ('v6-heartbeats', 'v7-run-writes', 'v8-feedback', 'v9-controllers')"
                )
            )
            let refused = await #expect(throws: TraceStoreFailure.self) { try await engine.migrate() }
            #expect(refused?.description.contains("too old for this version") == true, "\(refused.map { "\($0)" } ?? "")")
        }
    }

    /// Runs made by the orchestrator on SQLite, copied into PostgreSQL, read back the same; a second copy is refused.
    @Test func storedRunsReadBackTheSame() async throws {
        let source = try TraceStore.inMemory()
        let ids = try await TestSupport.debateAndCascadeRuns(in: source)
        try await Self.withDatabase { engine in
            for id in ids {
                let original = try #require(try await source.trace(runID: id))
                #expect(try await engine.insert(original))
                #expect(try await engine.insert(original) == false, "a run already there is not copied again")
                let stored = try #require(try await engine.trace(runID: id))
                #expect(stored.positional == original.positional)
                #expect(try await engine.run(id: id) == original.run)
            }
            #expect(try await engine.trace(runID: "none") == nil)
        }
    }

    /// A run with more rows of a table than one statement may bind (PostgreSQL takes 65,535 values) is inserted
    /// whole, in order.
    @Test func aRunWithTensOfThousandsOfRowsIsCopiedWhole() async throws {
        let source = try TraceStore.inMemory()
        let id = try await TestSupport.debateAndCascadeRuns(in: source)[0]
        var large = try #require(try await source.trace(runID: id))
        let verdicts = large.verifications
        large.verifications = (0..<(70_000 / max(verdicts.count, 1) + 1)).flatMap { round in
            verdicts.map { verdict in
                var copy = verdict
                copy.detail = "\(round): \(verdict.detail)"
                return copy
            }
        }
        #expect(large.verifications.count * VerificationRecord.boundColumns.count > 65_535, "more values than one statement binds")
        try await Self.withDatabase { (store: TraceStore) async throws in
            #expect(try await store.insert(large))
            #expect(try await store.trace(runID: id)?.positional == large.positional)
        }
    }

    /// One batch of a run's events — every kind — makes the same rows on both engines, in one transaction each.
    @Test func theSameEventsMakeTheSameRowsOnBothEngines() async throws {
        let start = Date(timeIntervalSince1970: 1_764_000_000.125)
        var run = TestSupport.runRecord(id: "run")
        run.startedAt = start
        func message(agent: Int, step: Int, answer: String) -> MessageRecord {
            var row = MessageRecord(
                runID: "run",
                step: step,
                agentIndex: agent,
                role: "solver",
                model: "m",
                provider: "simulated",
                promptJSON: #"[{"role":"user","content":"6 × 7?"}]"#,
                parentSpanID: "span-\(agent)",
                purpose: .turn
            )
            row.response = "6 × 7 = \(answer)\nAnswer: \(answer)"
            row.answer = answer
            row.startedAt = start
            row.finishedAt = start.addingTimeInterval(0.25)
            row.tokensEstimated = true
            row.recordedCorrect = answer == "42"
            return row
        }
        let agents = (0..<2).map {
            AgentRecord(runID: "run", agentIndex: $0, role: "solver", model: "m", fallbackModelsJSON: "[]", spanID: "span-\($0)")
        }
        let first = TraceEvent.MessageKey(value: 0)
        let second = TraceEvent.MessageKey(value: 1)
        var finished = run
        finished.status = .completed
        finished.answer = "42"
        finished.score = 1
        finished.finishedAt = start.addingTimeInterval(1)
        let events: [TraceEvent] = [
            .runStarted(run),
            .agents(agents),
            .faults([InjectedFault(agent: 1, kind: .garbage, answer: nil)], json: #"[{"agent":1}]"#),
            .message(key: first, row: message(agent: 0, step: 0, answer: "41"), receipts: [], checks: []),
            .message(
                key: second,
                row: message(agent: 1, step: 1, answer: "42"),
                receipts: [TraceEvent.Receipt(sender: 0, message: first, verdict: .disputed, detail: "answers differ")],
                checks: [CheckResult(check: .arithmetic, outcome: .failed, detail: "6 × 7 = 41 is wrong")]
            ),
            .quarantine(agent: 0, step: 2),
            .escalation(
                EscalationRecord(
                    runID: "run",
                    step: 1,
                    fromAgent: 0,
                    toAgent: 1,
                    fromModel: "m",
                    toModel: "m",
                    probabilityWrong: 0.75,
                    threshold: 0.5,
                    escalated: true,
                    reason: "doubted"
                )
            ),
            .heartbeat(start.addingTimeInterval(0.5)),
            .runFinished(finished),
        ]
        let sqlite = try TraceStore.inMemory()
        _ = try await sqlite.write(events, runID: "run", known: [:])
        let expected = try #require(try await sqlite.trace(runID: "run"))
        #expect(expected.deliveries.count == 1 && expected.verifications.count == 2 && expected.agents[0].quarantinedAtStep == 2)
        try await Self.withDatabase { engine in
            let ids = try await engine.write(events, runID: "run", known: [:], batch: nil)
            #expect(Set(ids.keys) == [first, second])
            let stored = try #require(try await engine.trace(runID: "run"))
            #expect(stored.positional == expected.positional)
            var heartbeat: Date?
            for row in try await engine.rows(TraceQuery("SELECT \"heartbeatAt\" FROM \"runs\"")) { heartbeat = row["heartbeatAt"] }
            #expect(heartbeat == start.addingTimeInterval(0.5), "a heartbeat of a running run is kept")
            // A delivery naming a message of no batch is refused and the batch leaves nothing.
            let stray = TraceEvent.message(
                key: TraceEvent.MessageKey(value: 9),
                row: message(agent: 0, step: 3, answer: "42"),
                receipts: [TraceEvent.Receipt(sender: 1, message: TraceEvent.MessageKey(value: 8), verdict: .verified)],
                checks: []
            )
            await #expect(throws: UnknownMessage.self) { try await engine.write([.heartbeat(start), stray], runID: "run", known: [:], batch: nil) }
            #expect(try await engine.trace(runID: "run")?.messages.count == 2)
        }
    }
}
