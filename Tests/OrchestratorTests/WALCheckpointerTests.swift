import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The write-ahead log is copied into the database file in the background, with no commit doing it: the writer's
/// own checkpoint waits for 16,000 pages, far more than this test writes.
@Suite(.timeLimit(.minutes(5))) struct WALCheckpointerTests {
    @Test func loggedPagesReachTheDatabaseFileWithoutACheckpointingCommit() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("traces.sqlite").path
        let store = try TraceStore.open(path: path, logger: TestSupport.logger)
        func fileSize() throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        }
        try await store.beginRun(TestSupport.runRecord(id: "run"))
        // Past the checkpoints of opening: the file's size before the messages below are written.
        try await Task.sleep(for: .milliseconds(600))
        let before = try fileSize()
        let ledger = RunLedger(store: store, runID: "run", providers: ProviderRegistry(), flushDelay: .seconds(60))
        for index in 0..<400 {
            var row = RunLedgerTests.row(agent: 0, step: index, response: String(repeating: "x", count: 2_000))
            row.runID = "run"
            ledger.stage(row, receipts: [], checks: [])
        }
        try await ledger.commit()
        let clock = ContinuousClock()
        let start = clock.now
        while try fileSize() - before < 800_000, clock.now - start < .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try fileSize() - before >= 800_000, "400 messages of 2 KB reached the database file")
    }
}
