import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Replays of runs whose calls failed against a real endpoint, retried and fallen back from.
@Suite(.timeLimit(.minutes(5))) struct ReplayOfFailedCallsTests {
    @Test func retriesAndFallbacksReplayWithoutWaitingOrCalling() async throws {
        let setup = try await FaultRecoveryTests.setUp(
            task: FaultRecoveryTests.task(),
            primary: [.status(503), .status(503), .status(503)],
            fallback: [.reply("2 + 2 = 4\nAnswer: 4")]
        )
        defer { Task { await setup.server.stop() } }
        let original = try await setup.orchestrator.run(FaultRecoveryTests.task(), seed: 1)
        #expect(original.fallbacks == 1 && original.answer == "4")
        let calls = await setup.server.script.received.count
        let trace = try #require(try await setup.orchestrator.store.trace(runID: original.runID))
        let outcome = try await setup.orchestrator.replay(trace)
        #expect(outcome.replay.answer == "4" && outcome.replay.fallbacks == 1)
        #expect(outcome.replay.retries == 0, "recorded retries are passed over, not waited out")
        #expect(await setup.server.script.received.count == calls, "the replay calls no model")
        let messages = try await setup.orchestrator.store.messages(runID: outcome.replay.runID)
        #expect(messages.first?.error?.contains("replayed failure") == true && messages.last?.fallbackFrom == setup.primary)
    }
}
