import Foundation
import GRDB
import NIOConcurrencyHelpers
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// What a run, a batch and the store's health do when the trace store cannot write, on a store whose writes can be
/// made to fail as a full disk does (the real faults: `StoreFaultTests`, `FullDiskTests`).
@Suite(.timeLimit(.minutes(5))) struct StoreFailureTests {
    /// An in-memory SQLite engine whose writes fail with SQLITE_FULL while `full` is set.
    /// The next `losesAnswers` writes commit, then fail as a time limit passing during the commit would.
    final class FillableEngine: TraceEngine {
        let inner: SQLiteTraceEngine
        let full = NIOLockedValueBox(false)
        let losesAnswers = NIOLockedValueBox(0)

        init() throws { inner = try SQLiteTraceEngine.inMemory() }

        var name: String { inner.name }
        var sharedLimits: (any SharedModelLimits)? { nil }
        var health: TraceStoreHealth { inner.health }

        private func failIfFull() async throws {
            guard full.withLockedValue({ $0 }) else { return }
            _ =
                try await inner.storeGuard.run("write a run's events") { _ in
                    throw DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
                } as Int
        }

        var concurrentWrites: Int { inner.concurrentWrites }

        func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]] {
            try await failIfFull()
            let written = try await inner.write(batches)
            let loses = losesAnswers.withLockedValue { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            if loses {
                throw TraceStoreFailure(
                    engine: "SQLite",
                    store: name,
                    operation: "write a run's events",
                    cause: .timedOut,
                    message: "gave up waiting"
                )
            }
            return written
        }
        func insert(_ trace: RunTrace) async throws -> Bool { try await inner.insert(trace) }
        func read(_ queries: [TraceQuery]) async throws -> [[TraceRow]] { try await inner.read(queries) }
        func change(_ query: TraceQuery) async throws -> [TraceRow] {
            try await failIfFull()
            return try await inner.change(query)
        }
        func probe() async throws {
            try await failIfFull()
            try await inner.probe()
        }
    }

    static func task(_ index: Int) -> OrchestrationTask {
        OrchestrationTask(id: "t\(index)", query: "What is \(index) + 4?", expected: ExpectedAnswer(value: "\(index + 4)", kind: .number))
    }

    @Test func aRunTheStoreCannotTakeEndsFailedAndIsWrittenWhole_onceTheStoreIsBack() async throws {
        let engine = try FillableEngine()
        let store = TraceStore(engine: engine)
        let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(), store: store)
        engine.full.withLockedValue { $0 = true }
        let refused = await #expect(throws: RunNotRecorded.self) { try await orchestrator.run(Self.task(1)) }
        let runID = try #require(refused?.runID)
        #expect(refused?.failure.cause == .full && refused?.failure.engine == "SQLite")
        #expect(await store.abandonedRuns.runIDs == [runID])
        #expect(try await store.run(id: runID) == nil)
        #expect(store.health.failure?.cause == .full)
        #expect(await store.writeFailure() != nil, "down while writes fail")

        engine.full.withLockedValue { $0 = false }
        #expect(await store.abandonedRuns.retryOnce() == false, "nothing left once written")
        let run = try #require(try await store.run(id: runID))
        #expect(run.status == .failed)
        #expect(run.error?.hasPrefix(RunNotRecorded.prefix + "trace store SQLite") == true, "\(run.error ?? "")")
        #expect(try await store.messages(runID: runID).count >= 1, "what the run did is kept, not lost")
        #expect(await store.writeFailure() == nil, "healthy again after a write went through")
    }

    @Test func aBatchStopsStartingRunsWhenTheStoreIsDown_unlessToldToKeepGoing() async throws {
        let engine = try FillableEngine()
        let store = TraceStore(engine: engine)
        let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(), store: store)
        let tasks = (0..<60).map(Self.task)
        _ = try await orchestrator.runBatch(Array(tasks.prefix(5)), seed: 1, parallel: 2)
        engine.full.withLockedValue { $0 = true }
        let stopped = await #expect(throws: BatchStopped.self) { try await orchestrator.runBatch(tasks, seed: 2, parallel: 4) }
        #expect(stopped?.recorded == 0)
        #expect((1...4).contains(stopped?.notRecorded ?? 0), "only the runs in flight: \(stopped?.notRecorded ?? -1)")
        #expect(stopped?.notStarted == 60 - (stopped?.notRecorded ?? 0))
        #expect(stopped?.description.contains("not started") == true)

        let kept = try await orchestrator.runBatch(Array(tasks.prefix(6)), seed: 3, parallel: 2, keepGoing: true)
        #expect(kept.count == 6 && kept.allSatisfy { $0.status == .failed && $0.error?.contains("could not be recorded") == true })

        // Back: every run the store could not take is written, failed.
        engine.full.withLockedValue { $0 = false }
        #expect(await store.abandonedRuns.drain(within: .seconds(5)) == 0)
        let failed = try await store.runs(matching: RunFilter(status: .failed))
        #expect(failed.count == (stopped?.notRecorded ?? 0) + 6)
    }

    /// A write that committed but whose answer was lost is tried again and writes nothing twice: the run ends
    /// failed (its caller was told it was not recorded), with the messages of its one write.
    @Test func aBatchWhoseCommitWasNotSeenIsNotWrittenTwice() async throws {
        let engine = try FillableEngine()
        let store = TraceStore(engine: engine)
        // The run's events in one batch, written when it finishes, however slow the machine.
        let orchestrator = try await Orchestrator(
            catalog: try TestSupport.catalog(),
            store: store,
            configuration: OrchestratorConfiguration(traceFlushDelay: .seconds(600)),
            logger: TestSupport.logger
        )
        engine.losesAnswers.withLockedValue { $0 = 1 }
        let refused = await #expect(throws: RunNotRecorded.self) {
            var task = Self.task(2)
            task.constraints = Constraints(topology: "chain", agentCount: 3)
            return try await orchestrator.run(task)
        }
        let runID = try #require(refused?.runID)
        let firstWrite = try await store.messages(runID: runID)
        #expect(firstWrite.count >= 3, "the lost answer's batch committed: \(firstWrite.count) messages")

        #expect(await store.abandonedRuns.retryOnce() == false, "the batch tried again is found written, not refused")
        let messages = try await store.messages(runID: runID)
        #expect(messages.map(\.id) == firstWrite.map(\.id), "no message written twice")
        let run = try #require(try await store.run(id: runID))
        #expect(run.status == .failed && run.error?.hasPrefix(RunNotRecorded.prefix) == true)
    }

    /// A numbered batch is written once however often it is given; batches out of order are refused.
    @Test(arguments: StoreEngine.available) func aNumberedBatchIsWrittenOnce(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let run = TestSupport.runRecord(id: "batched")
            let message = TestSupport.messageRecord(runID: run.id)
            let key = TraceEvent.MessageKey(value: 0)
            let events: [TraceEvent] = [.runStarted(run), .message(key: key, row: message, receipts: [], checks: [])]
            let first = try await store.write(events, runID: run.id, known: [:], batch: 0)
            let again = try await store.write(events, runID: run.id, known: [:], batch: 0)
            #expect(again == first && first[key] != nil)
            #expect(try await store.messages(runID: run.id).count == 1)
            await #expect(throws: BatchOutOfOrder.self) { try await store.write([.heartbeat(Date())], runID: run.id, known: [:], batch: 2) }
            _ = try await store.write([.heartbeat(Date())], runID: run.id, known: first, batch: 1)
            await #expect(throws: BatchOutOfOrder.self) { try await store.write(events, runID: run.id, known: [:], batch: 0) }
            #expect(try await store.messages(runID: run.id).count == 1)
        }
    }

    /// (PostgreSQL's own errors, which cannot be made outside postgres-nio, are checked against a real server in
    /// `StoreFaultTests`.)
    @Test func storeErrorsSayWhatFailedInTheDatabasesOwnWords() {
        let silent = TraceStoreFailure.classify(
            TimeLimitExceeded(),
            engine: "PostgreSQL",
            store: "postgres://u@h:5432/d",
            operation: "write a run's events"
        )
        #expect(silent.cause == .timedOut && silent.storeIsDown)
        #expect(silent.description.hasPrefix("trace store PostgreSQL postgres://u@h:5432/d could not write a run's events"), "\(silent)")
        let full = TraceStoreFailure.classify(
            DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full"),
            engine: "SQLite",
            store: "/t.sqlite",
            operation: "write a run's events"
        )
        #expect(full.cause == .full && full.description.contains("database or disk is full"))
        let refused = TraceStoreFailure.classify(
            DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "UNIQUE constraint failed"),
            engine: "SQLite",
            store: "/t.sqlite",
            operation: "copy in a run"
        )
        #expect(refused.cause == .failed && !refused.storeIsDown)
    }

    @Test func aHardTimeLimitReturnsEvenWhenTheOperationIgnoresCancellation() async throws {
        let finished = NIOLockedValueBox(false)
        let flag = GiveUpFlag()
        await #expect(throws: TimeLimitExceeded.self) {
            try await withHardTimeLimit(.milliseconds(100), gaveUp: flag) {
                // Waits 5 s whatever cancellation says, as a lease waiting on a pool may (without holding a thread).
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 5) { continuation.resume() }
                }
                finished.withLockedValue { $0 = true }
                return 1
            }
        }
        #expect(finished.withLockedValue { $0 } == false, "the limit returned before the operation ended")
        #expect(flag.isSet)
    }

    @Test func aCallbackOperationPastItsLimitIsStoppedAndItsLateEndDropped() async throws {
        let flag = GiveUpFlag()
        let stops = NIOLockedValueBox(0)
        let late = NIOLockedValueBox<(@Sendable (Result<Int, any Error>) -> Void)?>(nil)
        await #expect(throws: TimeLimitExceeded.self) {
            try await withHardTimeLimit(.milliseconds(100), gaveUp: flag) { settle in
                // Never ends by itself within the limit: kept to be called after it.
                late.withLockedValue { $0 = settle }
                return { stops.withLockedValue { $0 += 1 } }
            }
        }
        #expect(flag.isSet)
        #expect(stops.withLockedValue { $0 } >= 1, "the operation was told to stop")
        // Its end, after the caller gave up, changes nothing and does not trap.
        late.withLockedValue { $0 }?(.success(7))
        #expect(
            try await withHardTimeLimit(.seconds(5), gaveUp: GiveUpFlag()) { settle in
                settle(.success(3))
                settle(.success(4))
                return {}
            } == 3,
            "the first end counts"
        )
    }

    /// A callback operation (SQLite's transactions are one) is told its caller was cancelled through its flag, which
    /// it checks before it commits: the operation here waits for the flag, so the outcome does not hang on timing.
    @Test func aCallbackOperationIsToldItsCallerWasCancelled() async throws {
        let storeGuard = try SQLiteTraceEngine.inMemory().storeGuard
        let started = NIOLockedValueBox(false)
        let write = Task {
            try await storeGuard.run("write held until its caller goes") { (gaveUp, settle: @escaping @Sendable (Result<Int, any Error>) -> Void) in
                started.withLockedValue { $0 = true }
                DispatchQueue.global().async {
                    let deadline = Date().addingTimeInterval(5)
                    while !gaveUp.isSet && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
                    settle(gaveUp.isSet ? .failure(GaveUpBeforeCommit()) : .success(1))
                }
            }
        }
        while !started.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        write.cancel()
        await #expect(throws: GaveUpBeforeCommit.self, "the flag was set: a transaction rolls back") { try await write.value }
    }
}
