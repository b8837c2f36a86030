import Foundation
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

        init() throws { inner = try SQLiteTraceEngine.inMemory() }

        var name: String { inner.name }
        var concurrentWrites: Int { 1 }
        var sharedLimits: (any SharedModelLimits)? { nil }
        var health: TraceStoreHealth { inner.health }

        func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]] {
            groups.withLockedValue { $0.append(batches.count) }
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
        let message = MessageRecord(
            runID: runID,
            step: 0,
            agentIndex: 0,
            role: "solver",
            model: "m",
            provider: "p",
            promptJSON: "[]",
            parentSpanID: "",
            purpose: .turn
        )
        // A stray delivery names a message of the run that was never written: the batch is refused.
        let receipts = strayDelivery ? [TraceEvent.Receipt(sender: 1, message: TraceEvent.MessageKey(value: 7), verdict: .verified)] : []
        return [
            .runStarted(TestSupport.runRecord(id: runID)),
            .message(key: TraceEvent.MessageKey(value: 0), row: message, receipts: receipts, checks: []),
        ]
    }

    @Test func batchesThatWaitTogetherAreWrittenInOneTransaction() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        let runs = (0..<40).map { "run-\($0)" }
        let written = try await withThrowingTaskGroup(of: (String, Int64?).self) { group in
            for run in runs {
                group.addTask {
                    let ids = try await store.write(Self.events(of: run), runID: run, known: [:], batch: 0)
                    return (run, ids[TraceEvent.MessageKey(value: 0)])
                }
            }
            return try await group.reduce(into: [String: Int64?]()) { $0[$1.0] = $1.1 }
        }
        #expect(written.count == 40 && written.values.allSatisfy { $0 != nil })
        for run in runs {
            let messages = try await store.messages(runID: run)
            #expect(messages.map(\.id) == [written[run] ?? nil], "\(run)'s message is the one its write named")
        }
        let groups = engine.groups.withLockedValue { $0 }
        #expect(groups.reduce(0, +) == 40)
        #expect(groups.count < 10, "40 batches arriving at once took \(groups.count) transactions: \(groups)")
        #expect(groups.allSatisfy { $0 <= GroupCommit.largestGroup })
    }

    @Test func oneRunsBadBatchFailsOnlyThatRun() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            for index in 0..<12 {
                let run = "run-\(index)"
                group.addTask {
                    let ok = (try? await store.write(Self.events(of: run, strayDelivery: index == 5), runID: run, known: [:], batch: 0)) != nil
                    return (run, ok)
                }
            }
            return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.filter { !$0.value }.map(\.key) == ["run-5"])
        #expect(try await store.run(id: "run-5") == nil, "the refused batch left nothing")
        #expect(try await store.run(id: "run-4") != nil)
        #expect(try await store.run(id: "run-6") != nil)
        #expect(engine.groups.withLockedValue { $0 }.contains { $0 > 1 }, "the batches were grouped before one was refused")
    }

    @Test func aStoreThatIsDownFailsTheWholeGroupWithoutTryingEachAlone() async throws {
        let engine = try SlowEngine()
        let store = TraceStore(engine: engine)
        engine.down.withLockedValue { $0 = true }
        let failures = await withTaskGroup(of: String?.self) { group in
            for index in 0..<12 {
                let run = "run-\(index)"
                group.addTask {
                    do {
                        _ = try await store.write(Self.events(of: run), runID: run, known: [:], batch: 0)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        #expect(failures.count == 12 && failures.allSatisfy { $0.contains("away") })
        let groups = engine.groups.withLockedValue { $0 }
        #expect(groups.reduce(0, +) == 12, "no batch was tried twice: \(groups)")
    }
}
