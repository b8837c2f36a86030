import Foundation
import Orchestrator
import OrchestratorTestSupport
import Testing

/// The performance benches run end to end at toy sizes and print every row they promise (figures themselves
/// live in BENCHMARKS.md: timings are never asserted in tests).
@Suite(.timeLimit(.minutes(5)))
struct BenchCommandLineTests {
    /// The data rows of a printed table: lines after the header that start with one of `keys`.
    static func rows(_ output: String, startingWith keys: [String]) -> [String] {
        output.split(separator: "\n").map(String.init).filter { line in keys.contains { line.hasPrefix($0 + " ") } }
    }

    @Test(.exclusive) func controllerExecutorStoreCriticalPathAndTrainingBenchesRun() async throws {
        let controller = try await TestSupport.runBench(["controller", "--plans", "20", "--models", "5", "60", "--roles", "30"])
        #expect(controller.status == 0, "\(controller.error)")
        #expect(Self.rows(controller.output, startingWith: ["5", "60"]).count == 2, "\(controller.output)")

        let executor = try await TestSupport.runBench(["executor", "--runs", "3", "--repeats", "1", "--shapes", "single", "debate"])
        #expect(executor.status == 0, "\(executor.error)")
        let shapes = Self.rows(executor.output, startingWith: ["single", "debate"])
        #expect(shapes.count == 4 && shapes.contains { $0.contains("durable") } && shapes.contains { $0.contains("16.0") }, "\(executor.output)")
        // Each durable row read against a durable SQLite row measured in the same run.
        let ratios = shapes.filter { $0.contains("durable") }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect(ratios.count == 2 && ratios.allSatisfy { $0 > 0 }, "\(executor.output)")
        #expect(executor.output.contains("a durable SQLite row, measured in this run"), "\(executor.output)")

        let store = try await TestSupport.runBench(["store", "--inserts", "20", "--runs", "10", "--repeats", "1"])
        #expect(store.status == 0, "\(store.error)")
        #expect(Self.rows(store.output, startingWith: ["20", "10"]).count == 2, "\(store.output)")

        let critical = try await TestSupport.runBench(["critical-path", "--latency", "5", "--load", "1", "--runs", "1"])
        #expect(critical.status == 0, "\(critical.error)")
        #expect(Self.rows(critical.output, startingWith: ["single", "debate", "chain", "star"]).count == 4, "\(critical.output)")

        let training = try await TestSupport.runBench(["training", "--runs", "20", "--repeats", "1"])
        #expect(training.status == 0, "\(training.error)")
        #expect(Self.rows(training.output, startingWith: ["20"]).count == 1, "\(training.output)")

        let bad = try await TestSupport.runBench(["executor", "--shapes", "mesh"])
        #expect(bad.status != 0 && bad.error.contains("'mesh' is not one of"))
    }

    /// `writers` starts its processes on one store and every one of them records its messages there.
    @Test(arguments: StoreEngine.available) func theWritersBenchRecordsEveryWritersMessages(engine: StoreEngine) async throws {
        try await engine.withDatabase { (database: String) async throws in
            let writers = try await TestSupport.runBench(["writers", "--db", database, "--writers", "1", "3", "--messages", "30", "--repeats", "1"])
            #expect(writers.status == 0, "\(writers.error)")
            #expect(Self.rows(writers.output, startingWith: ["1", "3"]).count == 2, "\(writers.output)")
            let store = try await TraceStore.open(TraceDatabaseLocation(database), logger: TestSupport.logger)
            let counts = try await store.counts()
            #expect(counts.runs == 4 && counts.messages == 4 * 30 && counts.verifications == 3 * 4 * 30, "\(counts)")
        }
    }

    /// `serve` starts `serve` on a SQLite store (and PostgreSQL when there is one) before an instant backend, drives it
    /// with wrk, and reports the load with the runs the store recorded: as many as were answered, and more (the
    /// warm-up's), none failed.
    @Test(.exclusive, .enabled(if: LoadGenerator.runs, LoadGenerator.reason)) func theServeBenchDrivesServeAndCountsItsRecordedRuns() async throws {
        var arguments = ["serve", "--seconds", "2", "--connections", "4", "--wrk", LoadGenerator.wrk]
        if let url = PostgresServer.url { arguments += ["--postgres", url] }
        let bench = try await TestSupport.runBench(arguments)
        #expect(bench.status == 0, "\(bench.error)\n\(bench.output)")
        let rows = Self.rows(bench.output, startingWith: ["serve · SQLite", "serve · PostgreSQL"])
        #expect(rows.count == (PostgresServer.url == nil ? 1 : 2), "\(bench.output)")
        for row in rows {
            let numbers = row.split(separator: " ").compactMap { Int($0) }
            // requests/s … requests, failed, then "N completed of M".
            let tail = Array(numbers.suffix(4))
            #expect(tail.count == 4, "\(row)")
            guard tail.count == 4 else { continue }
            let (requests, failed, completed, recorded) = (tail[0], tail[1], tail[2], tail[3])
            #expect(requests > 0 && failed == 0, "\(row)")
            #expect(completed == recorded && completed >= requests, "every answered request's run recorded: \(row)")
        }
    }

    @Test func theBenchesLiveInTheirOwnExecutable() async throws {
        let user = try await TestSupport.runExecutable(["bench", "executor"])
        #expect(user.status != 0, "orchestrate has no bench command")
        let help = try await TestSupport.runBench(["--help"])
        #expect(help.status == 0 && ["escalation", "routing", "executor", "store"].allSatisfy { help.output.contains($0) }, "\(help.output)")
    }
}
