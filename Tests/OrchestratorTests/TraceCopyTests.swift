import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `traces copy`: runs move between stores whole, once, with their rows pointing at the right messages.
@Suite(.timeLimit(.minutes(5))) struct TraceCopyTests {
    /// A trace with its row ids replaced by positions: a message by its place in the run, a delivery or verdict by
    /// the place of the message it names.
    static func positional(_ trace: RunTrace) -> RunTrace {
        var trace = trace
        let positions = Dictionary(
            uniqueKeysWithValues: trace.messages.enumerated().compactMap { index, message in message.id.map { ($0, Int64(index)) } }
        )
        for index in trace.messages.indices { trace.messages[index].id = nil }
        for index in trace.deliveries.indices {
            trace.deliveries[index].id = nil
            trace.deliveries[index].messageID = positions[trace.deliveries[index].messageID] ?? -1
        }
        for index in trace.verifications.indices {
            trace.verifications[index].id = nil
            trace.verifications[index].messageID = positions[trace.verifications[index].messageID] ?? -1
        }
        for index in trace.escalations.indices { trace.escalations[index].id = nil }
        return trace
    }

    @Test func runsAreCopiedWholeOnceAndRunningOnesWait() async throws {
        let source = try TraceStore.inMemory()
        let destination = try TraceStore.inMemory()
        // Rows in the destination first, so that copied rows get other ids than they had.
        let earlier = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(), store: destination)
        _ = try await earlier.run(OrchestrationTask(id: "earlier", query: "What is 2 + 3?", constraints: Constraints(topology: "single")))
        let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(), store: source)
        var ids: [String] = []
        for (topology, agents) in [("debate", 3), ("cascade", 2)] {
            let task = OrchestrationTask(
                id: topology,
                query: "What is 6 times 7?",
                expected: ExpectedAnswer(value: "42", kind: .number),
                constraints: Constraints(topology: topology, agentCount: agents)
            )
            ids.append(try await orchestrator.run(task, seed: 4).runID)
        }
        try await source.beginRun(TestSupport.runRecord(id: "unfinished"))

        let first = try await source.copyRuns(matching: RunFilter(), to: destination)
        #expect(first == TraceStore.CopyReport(copied: 2, alreadyThere: 0, stillRunning: 1))
        var originals: [RunTrace] = []
        for id in ids {
            let original = try #require(try await source.trace(runID: id))
            let copy = try #require(try await destination.trace(runID: id))
            #expect(copy.messages.map(\.id) != original.messages.map(\.id), "the copy has ids of its own")
            #expect(Self.positional(copy) == Self.positional(original))
            originals.append(original)
        }
        #expect(originals.allSatisfy { !$0.verifications.isEmpty && !$0.decisions.isEmpty && !$0.agents.isEmpty })
        #expect(!originals[0].deliveries.isEmpty && !originals[1].escalations.isEmpty, "the fixture has every kind of row")
        #expect(try await destination.run(id: "unfinished") == nil)

        let again = try await source.copyRuns(matching: RunFilter(), to: destination)
        #expect(again == TraceStore.CopyReport(copied: 0, alreadyThere: 2, stillRunning: 1))
        #expect(try await destination.counts().runs == 3)
    }
}
