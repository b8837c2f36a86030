import Testing

@testable import Orchestrator

/// The trait of tests that load both cores (child processes running hundreds of runs, scans and fits of the recorded
/// data) or bound a wall time: such tests run one at a time, never beside each other, by holding a gate
/// (`TestSupport.loadGate`) for the test's whole body. On a suite it applies to each of its tests, which may still run
/// beside the suite's other, lighter tests but not beside another exclusive one.
struct ExclusiveTrait: TestTrait, SuiteTrait, TestScoping {
    /// Whether the running task already holds a gate (a test inside an exclusive suite, or a body that asks again).
    @TaskLocal static var holdsGate = false

    /// The gate; one permit.
    var gate = TestSupport.loadGate

    var isRecursive: Bool { true }

    /// A scope for each test function, none for a suite as a whole.
    func scopeProvider(for test: Test, testCase: Test.Case?) -> ExclusiveTrait? {
        test.isSuite ? nil : self
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await run(function)
    }

    /// Runs `body` holding the gate; within a task that holds it already, just runs it.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard !Self.holdsGate else { return try await body() }
        return try await gate.withPermit { try await Self.$holdsGate.withValue(true) { try await body() } }
    }
}

extension Trait where Self == ExclusiveTrait {
    /// Runs the test (each test of a suite) alone among exclusive tests: see `ExclusiveTrait`.
    static var exclusive: Self { ExclusiveTrait() }
}

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
