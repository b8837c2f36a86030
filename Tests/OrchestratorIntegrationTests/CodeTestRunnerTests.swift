import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Code answers run against a task's tests in the jail: limits on time and memory, no network.
@Suite(.enabled(if: SandboxRequirement.runs, "bubblewrap is not installed (scripts/test.sh and CI require it)"), .timeLimit(.minutes(5)))
struct CodeTestRunnerTests {
    static let tests = CodeTests(source: "assert add(2, 3) == 5\nassert add(-1, 1) == 0", timeoutSeconds: 5, memoryMegabytes: 256)

    @Test(.exclusive) func aRightAnswerPassesAndAWrongOneFailsWithTheReason() async throws {
        let right = await CodeTestRunner.check(code: "def add(a, b):\n    return a + b", tests: Self.tests)
        #expect(right.outcome == .passed, "\(right.detail)")
        let wrong = await CodeTestRunner.check(code: "def add(a, b):\n    return a - b", tests: Self.tests)
        #expect(wrong.outcome == .failed && wrong.detail.contains("AssertionError"), "\(wrong.detail)")
        let broken = await CodeTestRunner.check(code: "def add(a, b) return a + b", tests: Self.tests)
        #expect(broken.outcome == .failed && broken.detail.contains("SyntaxError"), "\(broken.detail)")
    }

    @Test(.exclusive) func aLoopIsStoppedAtTheTimeLimitAndAHogAtTheMemoryLimit() async throws {
        var limited = Self.tests
        limited.timeoutSeconds = 1
        let loop = await CodeTestRunner.check(code: "def add(a, b):\n    while True:\n        pass", tests: limited)
        #expect(loop.outcome == .failed, "\(loop.detail)")
        // Whichever stops it first, the wall-clock watchdog or the CPU limit, the check says the tests ran too long.
        #expect(loop.detail.contains("ran past 1 s") || loop.detail.contains("ran past the CPU limit of 1 s"), "\(loop.detail)")
        limited.memoryMegabytes = 64
        limited.timeoutSeconds = 5
        let hog = await CodeTestRunner.check(code: "big = bytearray(512 * 1024 * 1024)\ndef add(a, b):\n    return a + b", tests: limited)
        #expect(hog.outcome == .failed && hog.detail.contains("MemoryError"), "\(hog.detail)")
    }

    @Test func theVerdictNamesTheCPULimitAndASignalAndNeedsTheSecret() {
        func verdict(_ status: Int32, output: String = "") -> CheckResult {
            CodeTestRunner.verdict(
                of: Subprocess.Outcome(status: status, output: output, error: "", timedOut: false),
                secret: "s3cret",
                timeoutSeconds: 2
            )
        }
        #expect(verdict(128 + SIGXCPU).detail == "the tests ran past the CPU limit of 2 s and were stopped")
        #expect(verdict(128 + SIGKILL).detail.hasPrefix("the process ended (signal 9)"))
        #expect(verdict(0, output: "s3cret passed \n").outcome == .passed)
        #expect(verdict(0, output: "passed\ns3cretpassed\n secret passed\n").outcome == .failed)
    }

    /// A server listens on the host's loopback: outside the jail the answer would reach it, inside it cannot.
    @Test(.exclusive) func theTestsCannotReachEvenTheHostsLoopback() async throws {
        let server = try await FaultyOpenAIServer.start([:])
        defer { Task { await server.stop() } }
        let code = """
            import socket
            def add(a, b):
                socket.create_connection(("127.0.0.1", \(server.port)), timeout=3).close()
                return a + b
            """
        let result = await CodeTestRunner.check(code: code, tests: Self.tests)
        #expect(result.outcome == .failed && result.detail.contains("ConnectionRefusedError"), "\(result.detail)")
    }

    /// Answers a code task with code that subtracts.
    struct WrongCoder: LLMProvider {
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            ChatResponse(
                content: "Here it is:\n```python\ndef add(a, b):\n    return a - b\n```",
                usage: TokenUsage(promptTokens: 20, completionTokens: 20)
            )
        }
    }

    @Test(.exclusive) func verificationRunsTheTaskTestsOnEveryCodeMessage() async throws {
        var providers = ProviderRegistry()
        providers.register(WrongCoder(), for: .simulated)
        let catalog = try TestSupport.catalog(models: [TestSupport.simulatedModel("sim-a", latency: 0)])
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(verification: .check),
            providers: providers,
            logger: TestSupport.logger
        )
        let task = try #require(
            try TaskParser(catalog: catalog).parse(
                text:
                    #"{"id": "add", "query": "Write add(a, b).", "domain": "code", "tests": {"source": "assert add(2, 3) == 5"}, "constraints": {"topology": "chain", "agentCount": 2}}"#,
                file: "add.json"
            ).first
        )
        #expect(task.tests?.timeoutSeconds == 10 && task.tests?.memoryMegabytes == 512)
        let result = try await orchestrator.run(task, seed: 1)
        let verdicts = try await orchestrator.store.verifications(runID: result.runID).filter { $0.checkName == "code" }
        #expect(verdicts.count == 2 && verdicts.allSatisfy { $0.outcome == "failed" && $0.detail.contains("AssertionError") })
        let deliveries = try await orchestrator.store.deliveries(runID: result.runID)
        #expect(deliveries.map(\.verdict) == ["unverified"])
    }
}
