import Foundation
import GRDB
import NIOConcurrencyHelpers
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Runs' batches that wait for the store together are written in one transaction, and one run's mistake stays its own.
@Suite(.timeLimit(.minutes(2))) struct GroupCommitTests {
    /// An in-memory SQLite engine whose transactions take 20 ms, so batches pile up behind one; it keeps the size of
    /// every group it was given, and fails every write with a store failure while `down` is set.
    final class SlowEngine: TraceEngine {
        let inner: SQLiteTraceEngine
        let groups = NIOLockedValueBox<[Int]>([])
        let down = NIOLockedValueBox(false)
        /// While set, writes wait before they begin.
        let held = NIOLockedValueBox(false)

        init() throws { inner = try SQLiteTraceEngine.inMemory() }

        var name: String { inner.name }
        var concurrentWrites: Int { 1 }
        var sharedLimits: (any SharedModelLimits)? { nil }
        var health: TraceStoreHealth { inner.health }

        func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]] {
            groups.withLockedValue { $0.append(batches.count) }
            while held.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(20))
            if down.withLockedValue({ $0 }) {
                throw TraceStoreFailure(engine: "SQLite", store: name, operation: "write", cause: .unreachable, message: "away")
            }
            return try await inner.write(batches)
        }
        func insert(_ trace: RunTrace) async throws -> Bool { try await inner.insert(trace) }
        func read(_ queries: [TraceQuery]) async throws -> [[TraceRow]] { try await inner.read(queries) }
        func change(_ query: TraceQuery) async throws -> [TraceRow] { try await inner.change(query) }
        func probe() async throws { try await inner.probe() }
    }

    static func events(of runID: String, strayDelivery: Bool = false) -> [TraceEvent] {
        let message = TestSupport.messageRecord(runID: runID)
        // A stray delivery names a message of the run that was never written: the batch is refused.
        let receipts = strayDelivery ? [TraceEvent.Receipt(sender: 1, message: TraceEvent.MessageKey(value: 7), verdict: .verified)] : []
        return [
            .runStarted(TestSupport.runRecord(id: runID)),
            .message(key: TraceEvent.MessageKey(value: 0), row: message, receipts: receipts, checks: []),
        ]
    }

    /// Writes a batch of each run at once, the first group held until every other batch waits behind it (so how they
    /// group does not hang on how fast tasks start); the outcome of each run's write.
    static func writeTogether(
        _ runs: [String],
        on store: TraceStore,
        engine: SlowEngine,
        events: @escaping @Sendable (String) -> [TraceEvent] = { Self.events(of: $0) }
    ) async throws -> [String: Result<[TraceEvent.MessageKey: Int64], any Error>] {
        engine.held.withLockedValue { $0 = true }
        let writes = Task {
            await withTaskGroup(of: (String, Result<[TraceEvent.MessageKey: Int64], any Error>).self) { group in
                for run in runs {
                    group.addTask {
                        do {
                            return (run, .success(try await store.write(events(run), runID: run, known: [:], batch: 0)))
                        } catch {
                            return (run, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
        }
        while store.groupCommit.queued + (engine.groups.withLockedValue { $0.first } ?? 0) < runs.count {
            try await Task.sleep(for: .milliseconds(5))
        }
        engine.held.withLockedValue { $0 = false }
        return await writes.value
    }

    @Test func batchesThatWaitTogetherAreWrittenInOneTransaction() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        let runs = (0..<40).map { "run-\($0)" }
        let outcomes = try await Self.writeTogether(runs, on: store, engine: engine)
        let written = try outcomes.mapValues { try $0.get()[TraceEvent.MessageKey(value: 0)] }
        #expect(written.count == 40 && written.values.allSatisfy { $0 != nil })
        for run in runs {
            let messages = try await store.messages(runID: run)
            #expect(messages.map(\.id) == [written[run] ?? nil], "\(run)'s message is the one its write named")
        }
        let groups = engine.groups.withLockedValue { $0 }
        #expect(groups.reduce(0, +) == 40)
        #expect(groups.count <= 2, "40 batches waiting together took \(groups.count) transactions: \(groups)")
        #expect(groups.allSatisfy { $0 <= GroupCommit.largestGroup })
    }

    /// A group on either engine: a batch written before gives back its first ids, a second batch of a run goes after
    /// its first, deliveries name messages of their own batch or of one before.
    @Test(arguments: StoreEngine.available) func aGroupWritesEveryRunAsItWouldAlone(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let (k0, k1, k2) = (TraceEvent.MessageKey(value: 0), TraceEvent.MessageKey(value: 1), TraceEvent.MessageKey(value: 2))
            let xFirst: [TraceEvent] = [
                .runStarted(TestSupport.runRecord(id: "x")),
                .message(key: k0, row: TestSupport.messageRecord(runID: "x", agent: 0, step: 0, response: "Answer: 0"), receipts: [], checks: []),
            ]
            let before = try await store.write(xFirst, runID: "x", known: [:], batch: 0)
            let receipt = { (key: TraceEvent.MessageKey) in [TraceEvent.Receipt(sender: 0, message: key, verdict: .verified)] }
            let group = [
                RunBatch(events: xFirst, runID: "x", known: [:], number: 0),
                RunBatch(
                    events: [
                        .runStarted(TestSupport.runRecord(id: "y")),
                        .message(
                            key: k0,
                            row: TestSupport.messageRecord(runID: "y", agent: 0, step: 0, response: "Answer: 0"),
                            receipts: [],
                            checks: []
                        ),
                        .message(
                            key: k1,
                            row: TestSupport.messageRecord(runID: "y", agent: 1, step: 1, response: "Answer: 1"),
                            receipts: receipt(k0),
                            checks: []
                        ),
                    ],
                    runID: "y",
                    known: [:],
                    number: 0
                ),
                RunBatch(
                    events: [
                        .message(
                            key: k2,
                            row: TestSupport.messageRecord(runID: "x", agent: 1, step: 1, response: "Answer: 1"),
                            receipts: receipt(k0),
                            checks: []
                        )
                    ],
                    runID: "x",
                    known: before,
                    number: 1
                ),
                RunBatch(events: [.runStarted(TestSupport.runRecord(id: "z"))], runID: "z", known: [:]),
            ]
            let written = try await store.engine.write(group)
            #expect(written[0] == before, "a batch written before writes nothing and gives back its ids")
            let y = try await store.messages(runID: "y")
            #expect(y.map(\.agentIndex) == [0, 1] && y.compactMap(\.id) == [written[1][k0], written[1][k1]].compactMap { $0 })
            #expect(try await store.deliveries(runID: "y").map(\.messageID) == [written[1][k0]].compactMap { $0 })
            let x = try await store.messages(runID: "x")
            #expect(x.count == 2 && x.last?.id == written[2][k2])
            #expect(try await store.deliveries(runID: "x").map(\.messageID) == [before[k0]].compactMap { $0 })
            #expect(try await store.run(id: "z") != nil)
            #expect(Set(x.compactMap(\.id) + y.compactMap(\.id)).count == 4, "no id given twice")
        }
    }

    @Test func oneRunsBadBatchFailsOnlyThatRun() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        let outcomes = try await Self.writeTogether((0..<12).map { "run-\($0)" }, on: store, engine: engine) { run in
            Self.events(of: run, strayDelivery: run == "run-5")
        }
        let results = outcomes.mapValues { (try? $0.get()) != nil }
        #expect(results.filter { !$0.value }.map(\.key) == ["run-5"])
        #expect(try await store.run(id: "run-5") == nil, "the refused batch left nothing")
        #expect(try await store.run(id: "run-4") != nil)
        #expect(try await store.run(id: "run-6") != nil)
        #expect(engine.groups.withLockedValue { $0 }.contains { $0 > 1 }, "the batches were grouped before one was refused")
    }

    /// A batch written at once by its caller's task takes no other run's batch with it: those that queued meanwhile are
    /// written by a task of their own, out of reach of that caller's cancellation.
    @Test func aCallerCancelledWhileItWritesLeavesTheQueueToBeWritten() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        engine.held.withLockedValue { $0 = true }
        let first = Task { try await store.write(Self.events(of: "run-first"), runID: "run-first", known: [:], batch: 0) }
        while engine.groups.withLockedValue({ $0.count }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let second = Task { try await store.write(Self.events(of: "run-second"), runID: "run-second", known: [:], batch: 0) }
        while store.groupCommit.queued < 1 { try await Task.sleep(for: .milliseconds(5)) }
        first.cancel()
        engine.held.withLockedValue { $0 = false }
        _ = await first.result
        let written = try await second.value
        #expect(written[TraceEvent.MessageKey(value: 0)] != nil)
        #expect(try await store.run(id: "run-second") != nil, "the batch queued behind the cancelled one was written")
        #expect(engine.groups.withLockedValue { $0 } == [1, 1], "the cancelled caller wrote its own batch alone")
    }

    @Test func aStoreThatIsDownFailsTheGroupAndTheQueueWithoutTryingEachAlone() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        engine.down.withLockedValue { $0 = true }
        let outcomes = try await Self.writeTogether((0..<12).map { "run-\($0)" }, on: store, engine: engine)
        let failures = outcomes.values.compactMap { outcome -> String? in
            if case .failure(let error) = outcome { "\(error)" } else { nil }
        }
        #expect(failures.count == 12 && failures.allSatisfy { $0.contains("away") })
        #expect(engine.groups.withLockedValue { $0 }.count == 1, "those queued behind the failure were not tried")
    }
}

/// A run that starts and ends in one batch is written as one row insert; what is stored is what separate batches store.
@Suite(.timeLimit(.minutes(2))) struct RunRowFoldingTests {
    static func run(on store: TraceStore, flushDelay: Duration) async throws -> RunTrace {
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-a", latency: 0, accuracy: 0.7, conformity: 0.6)])
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: store,
            configuration: OrchestratorConfiguration(verification: .checkAndQuarantine, traceFlushDelay: flushDelay),
            logger: TestSupport.logger
        )
        let task = VerificationTests.debateTask(faults: [FaultSpec(target: .agent(1), kind: .persuasive, value: "114")])
        let result = try await orchestrator.run(task, seed: 4)
        return try #require(try await store.trace(runID: result.runID))
    }

    @Test(arguments: StoreEngine.available) func aRunWrittenInOneBatchReadsAsOneWrittenInMany(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let folded = try await Self.run(on: store, flushDelay: .seconds(60))
            let separate = try await Self.run(on: store, flushDelay: .zero)
            let batches = try await store.engine.read(
                TraceQuery("SELECT \"batches\" FROM \"runWrites\" WHERE \"runID\" = ?", [.text(separate.run.id)])
            )
            #expect((batches.first?.row["batches"] as Int?) ?? 0 >= 2, "the start and the end in different batches")
            for run in [folded.run, separate.run] {
                #expect(run.status == .completed)
                #expect(run.planJSON != nil && run.faultsJSON != nil && run.topology == "debate")
            }
            #expect(folded.run.planJSON == separate.run.planJSON)
            #expect(folded.run.faultsJSON == separate.run.faultsJSON)
            #expect(folded.run.planLogProbability == separate.run.planLogProbability)
            #expect(folded.run.agentCount == separate.run.agentCount)
            #expect(folded.run.answer == separate.run.answer && folded.run.costUSD == separate.run.costUSD)
            #expect(folded.agents.map(\.fault) == separate.agents.map(\.fault))
            #expect(folded.agents.map(\.quarantinedAtStep) == separate.agents.map(\.quarantinedAtStep))
            #expect(folded.messages.count == separate.messages.count && folded.deliveries.count == separate.deliveries.count)
        }
    }
}
