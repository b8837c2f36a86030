import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `traces copy`: runs move between stores whole, once, with their rows pointing at the right messages.
@Suite(.timeLimit(.minutes(5))) struct TraceCopyTests {
    /// Every way between the engines: SQLite to SQLite, SQLite to PostgreSQL, PostgreSQL to SQLite and to PostgreSQL.
    static let directions = StoreEngine.available.flatMap { from in StoreEngine.available.map { (from, $0) } }

    @Test(arguments: directions) func runsAreCopiedWholeOnceAndRunningOnesWait(from: StoreEngine, to: StoreEngine) async throws {
        try await from.withStore { source in
            try await to.withStore { destination in
                // Rows in the destination first, so that copied rows get other ids than they had.
                let earlier = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(), store: destination)
                _ = try await earlier.run(OrchestrationTask(id: "earlier", query: "What is 2 + 3?", constraints: Constraints(topology: "single")))
                let ids = try await TestSupport.debateAndCascadeRuns(in: source)
                _ = try await source.recordFeedback(on: ids[0], score: 0.3, note: "copied with its run", source: "library")
                try await source.beginRun(TestSupport.runRecord(id: "unfinished"))

                let first = try await source.copyRuns(matching: RunFilter(), to: destination)
                #expect(first == RunCopyReport(copied: 2, alreadyThere: 0, stillRunning: 1))
                var originals: [RunTrace] = []
                for id in ids {
                    let original = try #require(try await source.trace(runID: id))
                    let copy = try #require(try await destination.trace(runID: id))
                    #expect(copy.messages.map(\.id) != original.messages.map(\.id), "the copy has ids of its own")
                    #expect(copy.positional == original.positional)
                    originals.append(original)
                }
                #expect(originals.allSatisfy { !$0.verifications.isEmpty && !$0.decisions.isEmpty && !$0.agents.isEmpty })
                #expect(
                    !originals[0].deliveries.isEmpty && !originals[1].escalations.isEmpty && !originals[0].feedback.isEmpty,
                    "the fixture has every kind of row"
                )
                #expect(try await destination.run(id: "unfinished") == nil)

                let again = try await source.copyRuns(matching: RunFilter(), to: destination)
                #expect(again == RunCopyReport(copied: 0, alreadyThere: 2, stillRunning: 1))
                #expect(try await destination.counts().runs == 3)
            }
        }
    }
}
