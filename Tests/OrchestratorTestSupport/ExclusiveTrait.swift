import Orchestrator
import Testing

/// The trait of tests that load both cores (child processes running hundreds of runs, scans and fits of the recorded
/// data) or bound a wall time: such tests run one at a time, never beside each other, by holding a gate
/// (`TestSupport.loadGate`) for the test's whole body. On a suite it applies to each of its tests, which may still run
/// beside the suite's other, lighter tests but not beside another exclusive one.
public struct ExclusiveTrait: TestTrait, SuiteTrait, TestScoping {
    /// Whether the running task already holds a gate (a test inside an exclusive suite, or a body that asks again).
    @TaskLocal public static var holdsGate = false

    /// The gate; one permit.
    public var gate: AsyncSemaphore

    /// The trait on `gate` (the one shared gate unless a test of the trait gives its own).
    public init(gate: AsyncSemaphore = TestSupport.loadGate) {
        self.gate = gate
    }

    public var isRecursive: Bool { true }

    /// A scope for each test function, none for a suite as a whole.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> ExclusiveTrait? {
        test.isSuite ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await run(function)
    }

    /// Runs `body` holding the gate; within a task that holds it already, just runs it.
    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard !Self.holdsGate else { return try await body() }
        return try await gate.withPermit { try await Self.$holdsGate.withValue(true) { try await body() } }
    }
}

extension Trait where Self == ExclusiveTrait {
    /// Runs the test (each test of a suite) alone among exclusive tests: see `ExclusiveTrait`.
    public static var exclusive: Self { ExclusiveTrait() }
}
