import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The trace store: durable message inserts a second (against sqlite3's own), bytes a message, and traces stats over growing stores.",
            discussion: """
                Inserts: --inserts messages recorded one transaction each, as a run with a zero trace flush delay records them (a message \
                with one delivery and three check verdicts), then the same number of rows of the same width \
                inserted by the sqlite3 command-line shell, one transaction each, same journal mode and \
                synchronous setting, on the same disk. Stats: fills a database with sampled runs of the task file \
                on a zero-latency copy of the SIMULATED fleet to each --runs size and times `traces stats` for \
                each grouping; also reports database bytes per message.
                """
        )

        @OptionGroup var inputs: BenchInputs

        @Option(name: .long, parsing: .upToNextOption, help: "Message inserts to time, smallest first.")
        var inserts: [Int] = [1000, 10_000, 100_000]

        @Option(name: .long, parsing: .upToNextOption, help: "Stored runs to time `traces stats` over, smallest first.")
        var runs: [Int] = [1000, 10_000, 100_000]

        @Option(name: .long, help: "Measurements at each size.")
        var repeats: Int = 3

        @Option(name: .long, help: "The sqlite3 shell to compare with.")
        var sqlite3: String = "/usr/bin/sqlite3"

        func validate() throws {
            guard inserts.allSatisfy({ $0 > 0 }), runs.allSatisfy({ $0 > 0 }), runs == runs.sorted() else {
                throw ValidationError("--inserts and --runs take positive sizes, --runs smallest first")
            }
            guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be from 1 to 20, got \(repeats)") }
        }

        func run() async throws {
            let workload = try BenchWorkload(inputs, db: nil)
            defer { workload.cleanUp() }
            print("trace store · \(workload.databasePath)")
            print(BenchWorkload.machine)
            if !inserts.isEmpty { try await measureInserts(workload) }
            if !runs.isEmpty { try await measureStats(workload) }
        }

        /// Durable message inserts by the store and by the sqlite3 shell.
        private func measureInserts(_ workload: BenchWorkload) async throws {
            var table = [["messages", "store inserts/s", "µs per message", "sqlite3 rows/s", "µs per row", "store / sqlite3"]]
            let folder = (workload.databasePath as NSString).deletingLastPathComponent
            for count in inserts {
                var ours: [Double] = []
                var theirs: [Double] = []
                for attempt in 0..<repeats {
                    let path = (folder as NSString).appendingPathComponent("inserts-\(count)-\(attempt).sqlite")
                    let store = try TraceStore.open(path: path, logger: workload.logger)
                    ours.append(try await Self.insertMessages(count, into: store))
                    let shellPath = (folder as NSString).appendingPathComponent("sqlite3-\(count)-\(attempt).sqlite")
                    theirs.append(try await sqliteShellRate(rows: count, path: shellPath, folder: folder))
                }
                let (store, shell) = (Measurement(ours), Measurement(theirs))
                table.append([
                    "\(count)", store.summary("%.0f"), String(format: "%.1f", 1e6 / store.median), shell.summary("%.0f"),
                    String(format: "%.1f", 1e6 / shell.median), String(format: "%.2f", store.median / shell.median),
                ])
            }
            printColumns(table)
        }

        /// Records `count` messages of one run, each with a delivery and three verdicts, one transaction each;
        /// returns messages a second.
        static func insertMessages(_ count: Int, into store: TraceStore) async throws -> Double {
            let runID = UUID().uuidString.lowercased()
            let task = OrchestrationTask(id: "insert-bench", query: "What is 6 * 7?")
            let run = RunRecord(
                id: runID,
                taskID: task.id,
                query: task.query,
                domain: nil,
                answerKind: task.answerKind.rawValue,
                expectedAnswer: nil,
                taskJSON: "{}",
                controllerVersion: "bench",
                fleetName: "bench",
                fleetHash: "bench",
                catalogHash: "bench",
                simulated: true,
                seed: 0,
                verificationPolicy: .check
            )
            try await store.beginRun(run)
            let checks = [
                CheckResult(check: .format, outcome: .passed, detail: "answer 42"),
                CheckResult(check: .arithmetic, outcome: .passed, detail: "1 statement(s) re-computed"),
                CheckResult(check: .support, outcome: .passed, detail: "42 is the result of the message's own working"),
            ]
            let clock = ContinuousClock()
            let start = clock.now
            var previous: Int64?
            for index in 0..<count {
                var message = MessageRecord(
                    runID: runID,
                    step: index,
                    agentIndex: index % 2,
                    role: "general.assistant",
                    model: "sim-small",
                    provider: "simulated",
                    promptJSON: #"[{"content":"What is 6 * 7?","role":"user"}]"#,
                    parentSpanID: "0123456789abcdef",
                    purpose: .turn
                )
                message.response = "6 * 7 = 42\nAnswer: 42"
                message.answer = "42"
                message.promptTokens = 60
                message.completionTokens = 40
                let deliveries =
                    previous.map {
                        [DeliveryRecord(id: nil, runID: runID, messageID: $0, senderIndex: 0, receiverIndex: 1, step: index, verdict: "verified")]
                    } ?? []
                previous = try await store.recordMessage(message, deliveries: deliveries, checks: checks)
            }
            return Double(count) / (clock.now - start).seconds
        }

        /// Rows a second the sqlite3 shell inserts into a table as wide as `messages`, one transaction a row.
        private func sqliteShellRate(rows: Int, path: String, folder: String) async throws -> Double {
            var script = "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"
            script += "CREATE TABLE messages (id INTEGER PRIMARY KEY, runID TEXT, step INTEGER, agentIndex INTEGER, role TEXT, model TEXT, "
            script += "provider TEXT, promptJSON TEXT, response TEXT, answer TEXT, promptTokens INTEGER, completionTokens INTEGER, "
            script += "costUSD REAL, latencyMilliseconds REAL, startedAt TEXT, finishedAt TEXT, spanID TEXT, parentSpanID TEXT);\n"
            script += "CREATE INDEX messages_run ON messages(runID);\n.timer off\n"
            let row =
                "INSERT INTO messages (runID, step, agentIndex, role, model, provider, promptJSON, response, answer, promptTokens, completionTokens, costUSD, latencyMilliseconds, startedAt, finishedAt, spanID, parentSpanID) VALUES ('bench-run', %d, 0, 'general.assistant', 'sim-small', 'simulated', '[{\"content\":\"What is 6 * 7?\",\"role\":\"user\"}]', '6 * 7 = 42 Answer: 42', '42', 60, 40, 0.0001, 0.5, '2026-11-22 10:00:00.000', '2026-11-22 10:00:00.001', 'a1b2c3d4e5f60718', '0123456789abcdef');\n"
            for index in 0..<rows { script += String(format: row, index) }
            let scriptPath = (folder as NSString).appendingPathComponent("insert-\(rows).sql")
            try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            let clock = ContinuousClock()
            let start = clock.now
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sqlite3)
            process.arguments = [path, ".read \(scriptPath)"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw CommandInputError("\(sqlite3) exited with \(process.terminationStatus)") }
            return Double(rows) / (clock.now - start).seconds
        }

        /// `traces stats` over growing stores, and bytes per message.
        private func measureStats(_ workload: BenchWorkload) async throws {
            let store = try workload.openStore()
            let explorer = try await workload.explorer(store: store)
            var table = [
                ["stored runs", "messages", "fill runs/s", "bytes/message", "stats by topology s", "by model s", "by role s", "all three s"]
            ]
            var stored = 0
            let clock = ContinuousClock()
            for size in runs {
                let fillRate = try await workload.fill(explorer, from: &stored, to: size)
                let messages = try await store.counts().messages
                var timings: [TraceStatistics.Grouping: [Double]] = [:]
                var totals: [Double] = []
                for _ in 0..<repeats {
                    var total = 0.0
                    for grouping in TraceStatistics.Grouping.allCases {
                        let start = clock.now
                        _ = try await store.statistics(by: grouping)
                        let seconds = (clock.now - start).seconds
                        timings[grouping, default: []].append(seconds)
                        total += seconds
                    }
                    totals.append(total)
                }
                table.append(
                    [
                        "\(size)", "\(messages)", String(format: "%.0f", fillRate),
                        String(format: "%.0f", Double(workload.databaseBytes) / Double(messages)),
                    ] + TraceStatistics.Grouping.allCases.map { Measurement(timings[$0] ?? []).summary() } + [Measurement(totals).summary()]
                )
            }
            printColumns(table)
        }
    }
}
