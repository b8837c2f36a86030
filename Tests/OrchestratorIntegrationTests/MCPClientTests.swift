import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate mcp` (standard input and output) and `serve`'s `/mcp` (streamable HTTP, behind the token) used by the
/// official MCP Python client (PyPI `mcp`, scripts/mcp-client-check.py), as an agent framework would. `scripts/test.sh`
/// installs the package and requires these tests.
@Suite(
    .enabled(
        if: MCPPythonClient.python != nil || MCPPythonClient.required,
        "no Python with the mcp package: run scripts/test.sh, or set ORCHESTRATE_MCP_PYTHON to one"
    ),
    .timeLimit(.minutes(5))
)
struct MCPClientTests {
    @Test(.exclusive) func theOfficialClientUsesOrchestrateMCPOverStandardInputAndOutput() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("mcp.sqlite").path
        let orchestrate = try #require(TestSupport.executable(), "the orchestrate executable was not built").path
        let report = try await MCPPythonClient.report(
            ["stdio", orchestrate, "--db", database, "--fleet", try ScaleOutTests.slowFleet(in: directory)]
        )
        try await Self.check(report, database: database, progressOnOneStream: true)
    }

    @Test(.exclusive) func theOfficialClientUsesServesMCPEndpointWithTheTokenAndIsRefusedWithoutIt() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("serve.sqlite").path
        let server = try await ServeProcess.start(["--token", "test-token", "--fleet", try ScaleOutTests.slowFleet(in: directory), "--db", database])
        defer { server.stop() }
        let report = try await MCPPythonClient.report(["http", server.root + "/mcp", "test-token"])
        #expect(report["unauthorized_status"] as? Int == 401, "an initialize request without the token is refused")
        try await Self.check(report, database: database, progressOnOneStream: false)
    }

    /// `orchestrate mcp` told to stop (SIGTERM) mid-run, its client still connected: it ends within seconds and the
    /// run in flight is recorded `cancelled`, not left `running`.
    @Test(.exclusive) func orchestrateMCPStopsPromptlyWhenToldAndRecordsItsRunCancelled() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("mcp.sqlite").path
        let executable = try #require(TestSupport.executable(), "the orchestrate executable was not built")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["mcp", "--db", database, "--fleet", try ScaleOutTests.slowFleet(in: directory)]
        process.currentDirectoryURL = TestSupport.repositoryRoot
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let lines = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run","arguments":{"query":"What is 6 times 7?","topology":"debate","agents":3}}}"#,
        ]
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        var running: RunRecord?
        let deadline = ContinuousClock.now + .seconds(30)
        while running == nil, ContinuousClock.now < deadline {
            running = try? await store.runs(matching: RunFilter(status: .running)).first
            if running == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let run = try #require(running, "the run never started")
        let asked = ContinuousClock.now
        process.terminate()
        while process.isRunning, ContinuousClock.now - asked < .seconds(20) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning && ContinuousClock.now - asked < .seconds(5), "orchestrate mcp did not stop within 5 s")
        #expect(try await store.run(id: run.id)?.status == .cancelled)
    }

    /// What both doors must have done: the tools listed; the run answered with the run id `traces show` finds, its
    /// score and cost, with progress notifications; the run listed, read as a resource, scored, replayed; a bad argument
    /// named; the debate cancelled by the client recorded `cancelled` before its last turn. `progressOnOneStream`
    /// (stdio: one ordered pipe): a notification per turn, all before the result, and the debate cancelled after its
    /// first. Over streamable HTTP the SDK sends notifications on the session's GET stream and the result on the call's
    /// own, so the client may read the result before the last notifications (and then drops them): at least one, never
    /// more than the turns.
    static func check(_ report: [String: Any], database: String, progressOnOneStream: Bool) async throws {
        #expect(report["tools"] as? [String] == ["feedback", "list_runs", "replay_run", "run", "show_run"])
        #expect(report["templates"] as? [String] == ["orchestrate://runs/{run_id}"])
        let run = try #require(report["run"] as? [String: Any])
        #expect(run["is_error"] as? Bool == false)
        let structured = try #require(run["structured"] as? [String: Any])
        let runID = try #require(structured["run_id"] as? String)
        let shown = try await TestSupport.runExecutable(["traces", "show", runID, "--db", database])
        #expect(shown.status == 0 && shown.output.contains(runID), "traces show finds the run: \(shown.error)")
        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        let stored = try #require(try await store.run(id: runID))
        #expect(structured["answer"] as? String == stored.answer && stored.answer != nil)
        #expect(structured["score"] as? Double == stored.score && stored.score != nil)
        let cost = try #require(structured["cost_usd"] as? Double)
        #expect(abs(cost - stored.costUSD) < 1e-12 && stored.costUSD > 0, "the run's cost, as stored")
        #expect((run["text"] as? String)?.contains(runID) == true)
        let progress = try #require(report["progress"] as? [[String: Any]])
        let turns = try await store.messages(runID: runID).count
        let expected = progressOnOneStream ? turns...turns : 1...max(turns, 1)
        #expect(turns > 0 && expected.contains(progress.count), "\(progress.count) progress notifications for \(turns) turns")
        #expect(progress.allSatisfy { ($0["message"] as? String)?.hasPrefix("step ") == true })
        #expect((report["listed"] as? [String])?.contains(runID) == true)
        #expect(report["resource"] as? String == runID)
        #expect((try await store.feedback(runID: runID)).map(\.score) == [1])
        let replay = try #require((report["replay"] as? [String: Any])?["structured"] as? [String: Any])
        let replayID = try #require(replay["run_id"] as? String)
        #expect(try await store.run(id: replayID)?.replayOf == runID)
        let bad = try #require(report["bad_argument"] as? [String: Any])
        #expect(bad["is_error"] as? Bool == true && (bad["text"] as? String)?.contains("'agents'") == true)

        #expect(report["cancelled_call_finished"] as? Bool == false)
        #expect(report["cancelled_after_progress"] as? Bool == true || !progressOnOneStream, "cancelled after a progress notification")
        #expect(report["after_cancel"] as? Int == 5, "the session goes on after a cancelled call")
        let deadline = ContinuousClock.now + .seconds(20)
        var cancelled: RunRecord?
        while cancelled == nil, ContinuousClock.now < deadline {
            cancelled = try await store.runs(matching: RunFilter(taskID: "mcp-cancelled")).first { $0.status == .cancelled }
            if cancelled == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let stopped = try #require(cancelled, "the cancelled call's run was not recorded cancelled")
        #expect(stopped.topology == "debate" && stopped.agentCount == 3)
        #expect(try await store.messages(runID: stopped.id).count < 6, "the cancelled debate stopped before its last turn")
    }
}

/// Where a Python with the `mcp` package is, as `scripts/test.sh` exports it, and whether the tests must run.
enum MCPPythonClient {
    static let python = ProcessInfo.processInfo.environment["ORCHESTRATE_MCP_PYTHON"]
    /// Set by `scripts/test.sh` (and so by CI): the tests then fail instead of being skipped without the client.
    static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_MCP_CLIENT"] == "1"

    /// Runs scripts/mcp-client-check.py with `arguments`; returns the JSON object it prints, or fails the test with
    /// what it wrote when it exits non-zero.
    static func report(_ arguments: [String]) async throws -> [String: Any] {
        let python = try #require(python, "ORCHESTRATE_MCP_PYTHON is not set: scripts/test.sh sets it")
        let check = try await Subprocess.run(
            python,
            [TestSupport.repositoryRoot.appendingPathComponent("scripts/mcp-client-check.py").path] + arguments,
            directory: TestSupport.repositoryRoot,
            timeoutSeconds: 180
        )
        #expect(check.status == 0, "\(check.error)")
        return try #require(try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any], "\(check.output)")
    }
}
