import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The trait itself, on a gate of its own: bodies under it never overlap, and one nested in another runs rather
/// than waiting for itself.
@Suite(.timeLimit(.minutes(1))) struct ExclusiveTraitTests {
    actor Overlap {
        var active = 0
        var peak = 0
        func enter() {
            active += 1
            peak = max(peak, active)
        }
        func leave() { active -= 1 }
    }

    @Test func scopedBodiesRunOneAtATimeAndANestedOneDoesNotWait() async throws {
        let overlap = Overlap()
        let trait = ExclusiveTrait(gate: AsyncSemaphore(permits: 1))
        let test = try #require(Test.current)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await trait.provideScope(for: test, testCase: nil) {
                        await overlap.enter()
                        try await Task.sleep(for: .milliseconds(20))
                        try await trait.run { await overlap.leave() }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await overlap.peak == 1)
        #expect(await overlap.active == 0)
    }
}
