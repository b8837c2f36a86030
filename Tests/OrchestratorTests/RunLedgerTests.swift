import Foundation
import GRDB
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The ledger writes a step's messages in one transaction, names earlier messages by key, and never lets a finished
/// message wait longer than its flush delay.
@Suite(.timeLimit(.minutes(5))) struct RunLedgerTests {
    static func row(agent: Int, step: Int, response: String) -> MessageRecord {
        TestSupport.messageRecord(runID: "run", agent: agent, step: step, response: response)
    }

    static func ledger(flushDelay: Duration, on store: TraceStore) -> RunLedger {
        let ledger = RunLedger(store: store, runID: "run", providers: ProviderRegistry(), flushDelay: flushDelay)
        ledger.begin(TestSupport.runRecord(id: "run"))
        return ledger
    }

    @Test(arguments: StoreEngine.available) func aStepsMessagesAreWrittenTogetherAtCommitWithTheirDeliveriesResolved(engine: StoreEngine) async throws
    {
        try await engine.withStore { (store: TraceStore) async throws in
            let ledger = Self.ledger(flushDelay: .seconds(60), on: store)
            let first = ledger.stage(Self.row(agent: 0, step: 0, response: "Answer: 7"), receipts: [], checks: [])
            let second = ledger.stage(Self.row(agent: 1, step: 0, response: "Answer: 8"), receipts: [], checks: [])
            #expect(try await store.messages(runID: "run").isEmpty, "staged messages wait for their step's commit")
            #expect(ledger.messageID(of: first) == nil)
            try await ledger.commit()
            let written = try await store.messages(runID: "run")
            #expect(written.map(\.response) == ["Answer: 7", "Answer: 8"])
            let ids = try #require([ledger.messageID(of: first), ledger.messageID(of: second)] as? [Int64])
            #expect(ids == written.compactMap(\.id))

            // The next step's receiver read both: one delivered, one disputed (which keeps a consistency verdict).
            let check = CheckResult(check: .arithmetic, outcome: .failed, detail: "3 + 4 = 8 is wrong")
            ledger.stage(
                Self.row(agent: 2, step: 1, response: "Answer: 7"),
                receipts: [
                    RunLedger.Receipt(sender: 0, message: first, verdict: .verified, detail: nil),
                    RunLedger.Receipt(sender: 1, message: second, verdict: .disputed, detail: "answers differ"),
                ],
                checks: [check]
            )
            try await ledger.commit()
            let deliveries = try await store.deliveries(runID: "run")
            #expect(deliveries.map(\.messageID) == ids)
            #expect(deliveries.map(\.receiverIndex) == [2, 2])
            #expect(deliveries.map(\.step) == [1, 1])
            let third = try #require(try await store.messages(runID: "run").last?.id)
            let verifications = try await store.verifications(runID: "run")
            let consistency = verifications.filter { $0.checkName == "consistency" }
            #expect(consistency.map(\.messageID) == [ids[1]])
            #expect(consistency.map(\.receiverIndex) == [2])
            #expect(verifications.filter { $0.checkName == "arithmetic" }.map(\.messageID) == [third])
        }
    }

    @Test(arguments: StoreEngine.available) func aStagedMessageIsWrittenWithinItsFlushDelayWithoutACommit(engine: StoreEngine) async throws {
        try await engine.withStore { (store: TraceStore) async throws in
            let ledger = Self.ledger(flushDelay: .milliseconds(100), on: store)
            ledger.stage(Self.row(agent: 0, step: 0, response: "early"), receipts: [], checks: [])
            let clock = ContinuousClock()
            let start = clock.now
            var written = 0
            while written == 0 && clock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
                written = try await store.messages(runID: "run").count
            }
            #expect(written == 1)
            // Not before the delay: the step had time to finish and share one transaction.
            #expect(clock.now - start >= .milliseconds(100))
        }
    }

    @Test(arguments: StoreEngine.available) func aReceiptNamingAMessageTheRunNeverStagedIsRefused(engine: StoreEngine) async throws {
        try await engine.withStore { (store: TraceStore) async throws in
            let ledger = Self.ledger(flushDelay: .seconds(60), on: store)
            let stranger = RunLedger.MessageKey(value: 41)
            ledger.stage(
                Self.row(agent: 0, step: 1, response: "x"),
                receipts: [RunLedger.Receipt(sender: 1, message: stranger, verdict: .verified, detail: nil)],
                checks: []
            )
            await #expect(throws: UnknownMessage.self) { try await ledger.commit() }
            #expect(try await store.messages(runID: "run").isEmpty, "the failed transaction wrote nothing")
        }
    }

    /// The run row's heartbeat moves on while the run runs and stays put once it finished.
    @Test(arguments: StoreEngine.available) func aRunBeatsWhileItRunsAndStopsWhenItFinishes(engine: StoreEngine) async throws {
        try await engine.withStore { (store: TraceStore) async throws in

            let ledger = RunLedger(store: store, runID: "run", providers: ProviderRegistry(), flushDelay: .zero, heartbeatInterval: .milliseconds(50))
            ledger.begin(TestSupport.runRecord(id: "run"))
            @Sendable func heartbeat() async throws -> Date? {
                try await store.rows(TraceQuery("SELECT \"heartbeatAt\" FROM \"runs\" WHERE \"id\" = 'run'")).first?["heartbeatAt"]
            }
            /// Waits up to 10 s for a heartbeat later than `after`.
            func beat(after: Date?) async throws -> Date? {
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    if let beat = try await heartbeat(), after.map({ beat > $0 }) ?? true { return beat }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return nil
            }
            let first = try #require(try await beat(after: nil), "no heartbeat was written")
            _ = try #require(try await beat(after: first), "the heartbeat did not move on")
            var record = TestSupport.runRecord(id: "run")
            record.status = .completed
            try await ledger.finish(record)
            let last = try await heartbeat()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await heartbeat() == last, "a finished run has no heartbeat")
        }
    }
}
