import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct TraceStoreTests {
    /// Several connections (as several processes would) opening one new database at once all succeed.
    @Test func concurrentOpensOfANewDatabaseAllMigrate() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for round in 0..<5 {
            let path = directory.appendingPathComponent("traces-\(round).sqlite").path
            let failures = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        await Task.detached {
                            do {
                                _ = try TraceStore.open(path: path, logger: TestSupport.logger)
                                return nil
                            } catch {
                                return "\(error)"
                            }
                        }.value
                    }
                }
                return await group.compactMap { $0 }.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(failures.isEmpty, "concurrent opens of a new database failed: \(failures)")
            let store = try TraceStore.open(path: path, logger: TestSupport.logger)
            #expect(try await store.counts().runs == 0)
        }
    }

    /// A running run whose heartbeat (or start, before any) is older than the limit is interrupted whatever its host;
    /// one that beat recently is left running.
    @Test(arguments: StoreEngine.available) func runsWithoutARecentHeartbeatAreInterruptedOnAnyHost(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let now = Date()
            let runs: [(id: String, heartbeat: Date?)] = [("stale", now - 600), ("fresh", now - 5), ("silent", nil)]
            for run in runs {
                var record = TestSupport.runRecord(id: run.id)
                record.host = "another-machine"
                record.processID = 1
                record.startedAt = now - 900
                try await store.beginRun(record)
                if let beat = run.heartbeat {
                    _ = try await store.write([.heartbeat(beat)], runID: run.id, known: [:])
                }
            }
            #expect(try await store.markInterruptedRuns(staleAfter: .seconds(60)) == 2)
            let stale = try #require(try await store.run(id: "stale"))
            #expect(stale.status == .interrupted && stale.error?.contains("no heartbeat from process 1 on another-machine") == true)
            #expect(try await store.run(id: "silent")?.status == .interrupted)
            #expect(try await store.run(id: "fresh")?.status == .running)
            #expect(try await store.markInterruptedRuns(staleAfter: .seconds(60)) == 0, "a run is marked once")
        }
    }

    /// A live process looking again spares its own runs; the sweeper of a long-lived process marks others' abandoned
    /// runs as it goes.
    @Test(arguments: StoreEngine.available) func aLiveProcessSparesItsOwnRunsAndSweepsAbandonedOnes(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let now = Date()
            var mine = TestSupport.runRecord(id: "mine")
            mine.host = ProcessInfo.processInfo.hostName
            mine.processID = Int(ProcessInfo.processInfo.processIdentifier)
            mine.startedAt = now
            try await store.beginRun(mine)
            var abandoned = TestSupport.runRecord(id: "abandoned")
            abandoned.host = "another-machine"
            abandoned.startedAt = now - 600
            try await store.beginRun(abandoned)
            #expect(try await store.markInterruptedRuns(staleAfter: .seconds(60), sparingOwnRuns: true) == 1)
            #expect(try await store.run(id: "mine")?.status == .running, "a live process's own run goes on")
            #expect(try await store.run(id: "abandoned")?.status == .interrupted)

            let sweeper = StaleRunSweeper(store: store, interval: .milliseconds(50), staleAfter: .seconds(60), logger: TestSupport.logger)
            let sweeping = Task { await sweeper.run() }
            defer { sweeping.cancel() }
            var later = TestSupport.runRecord(id: "later")
            later.host = "another-machine"
            later.startedAt = now - 600
            try await store.beginRun(later)
            let deadline = ContinuousClock.now + .seconds(10)
            while try await store.run(id: "later")?.status == .running, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await store.run(id: "later")?.status == .interrupted, "the sweeper marks a run abandoned after it started")
            #expect(try await store.run(id: "mine")?.status == .running, "and spares the process's own")
        }
    }
}
