import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `orchestrate serve` called by the official `openai` Python package (scripts/openai-client-check.py), as an
/// agent framework in another language would. `scripts/test.sh` installs the package and requires this test.
@Suite(
    .enabled(
        if: OpenAIClient.python != nil || OpenAIClient.required,
        "no Python with the openai package: run scripts/test.sh, or set ORCHESTRATE_OPENAI_PYTHON to one"
    ),
    .timeLimit(.minutes(5))
)
struct OpenAIClientTests {
    @Test(.exclusive) func theOfficialClientTalksToServe() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("serve.sqlite").path
        let server = try await ServeProcess.start(["--token", "test-token", "--db", database])
        defer { server.stop() }

        let report = try await OpenAIClient.report(of: "openai-client-check.py", against: server)
        #expect((report["models"] as? [String])?.contains("debate") == true)
        let auto = try #require(report["auto"] as? [String: Any])
        #expect(auto["model"] as? String == "auto" && auto["finish_reason"] as? String == "stop")
        #expect((auto["total_tokens"] as? Int ?? 0) > 0 && (auto["cost_usd"] as? Double ?? 0) > 0)
        let debate = try #require(report["debate"] as? [String: Any])
        #expect(debate["topology"] as? String == "debate" && debate["agents"] as? Int == 3 && debate["policy"] as? String == "check+quarantine")
        let errors = try #require(report["errors"] as? [String: [String: Any]])
        #expect(errors["unknown_model"]?["status"] as? Int == 404 && errors["unknown_model"]?["code"] as? String == "model_not_found")
        #expect(errors["wrong_token"]?["status"] as? Int == 401)

        server.process.terminate()
        try await TestSupport.runToExit(server.process)
        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        for reply in [auto, debate] {
            let runID = try #require(reply["run_id"] as? String)
            let stored = try #require(try await store.run(id: runID), "the served run \(runID) is in the trace store")
            #expect(stored.status == .completed && stored.answer != nil)
            #expect(reply["content"] as? String == stored.answer, "the answer is the assistant's message")
        }
        let autoRunID = try #require(auto["run_id"] as? String)
        let scored = try #require(try await store.run(id: autoRunID))
        #expect(scored.expectedAnswer == "77" && scored.score != nil, "the extra orchestrate field reached the task")
    }
}

extension OpenAIClientTests {
    /// `stream: true` with the official client's streaming iterator (scripts/openai-stream-check.py) on a 3-agent
    /// debate of the simulated fleet at five times its latencies: progress chunks arrive as agents finish, the
    /// first before the last agent has finished; the streamed answer is the unstreamed one for the same seed, and with
    /// `stream_options.include_usage` the client reads the same token counts from the stream's last chunk; a client
    /// that drops the stream mid-run leaves its run recorded `cancelled`.
    @Test(.exclusive) func theOfficialClientStreamsProgressThenTheAnswerAndADroppedStreamCancelsItsRun() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("serve.sqlite").path
        let server = try await ServeProcess.start(["--token", "test-token", "--fleet", try ScaleOutTests.slowFleet(in: directory), "--db", database])
        defer { server.stop() }

        let report = try await OpenAIClient.report(of: "openai-stream-check.py", against: server)
        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        let streamedRun = try #require(report["streamed_run"] as? String)
        let streamed = try #require(try await store.trace(runID: streamedRun))
        let unstreamedRun = try #require(report["unstreamed_run"] as? String)
        let unstreamed = try #require(try await store.trace(runID: unstreamedRun))
        #expect(streamed.run.status == .completed && streamed.run.answer != nil)
        #expect(report["streamed_content"] as? String == streamed.run.answer, "the streamed content is the run's answer")
        #expect(report["streamed_content"] as? String == report["unstreamed_answer"] as? String, "the same seed gives the same answer")
        // Turns of one step end concurrently, in either order: compare by step and agent.
        let byTurn = { (trace: RunTrace) in trace.messages.map { "\($0.step)/\($0.agentIndex): \($0.response ?? "")" }.sorted() }
        #expect(byTurn(streamed) == byTurn(unstreamed), "the same seed gives the same run")
        #expect(report["finish_reason"] as? String == "stop")
        let streamedUsage = try #require(report["streamed_usage"] as? [String: Int], "no usage chunk ended the stream")
        #expect(streamedUsage == report["unstreamed_usage"] as? [String: Int] && (streamedUsage["total_tokens"] ?? 0) > 0)
        let progress = try #require(report["progress"] as? [[String: Any]])
        #expect(progress.count == streamed.messages.count && progress.count >= 5, "a progress chunk per agent turn")
        #expect(progress.allSatisfy { $0["run_id"] as? String == streamedRun && $0["role"] is String && $0["answer"] != nil })
        let firstProgress = try #require(report["first_progress_at"] as? Double)
        let lastFinished = try #require(streamed.messages.compactMap(\.finishedAt).max())
        #expect(firstProgress < lastFinished.timeIntervalSince1970, "the first progress chunk came before the last agent finished")

        #expect(report["dropped_after_progress"] as? Bool == true)
        let deadline = ContinuousClock.now + .seconds(20)
        var dropped: RunRecord?
        while dropped == nil, ContinuousClock.now < deadline {
            dropped = try await store.runs(matching: RunFilter(status: .cancelled)).first
            if dropped == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let cancelled = try #require(dropped, "the dropped stream's run was not recorded cancelled")
        #expect(cancelled.error == RunStatus.cancellationReason && cancelled.seed == "8")
        #expect(try await store.messages(runID: cancelled.id).count < streamed.messages.count, "the dropped run stopped before its last turn")
    }
}

/// Where a Python with the `openai` package is, as `scripts/test.sh` exports it, and whether the test must run.
enum OpenAIClient {
    static let python = ProcessInfo.processInfo.environment["ORCHESTRATE_OPENAI_PYTHON"]
    /// Set by `scripts/test.sh` (and so by CI): the test then fails instead of being skipped without the client.
    static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_OPENAI_CLIENT"] == "1"

    /// Runs one of the client scripts (`scripts/NAME BASE_URL TOKEN`) against `server`, whose token is `test-token`;
    /// returns the JSON object it prints, or fails the test with what it wrote when it exits non-zero.
    static func report(of script: String, against server: ServeProcess) async throws -> [String: Any] {
        let python = try #require(python, "ORCHESTRATE_OPENAI_PYTHON is not set: scripts/test.sh sets it")
        let check = try await Subprocess.run(
            python,
            [TestSupport.repositoryRoot.appendingPathComponent("scripts/\(script)").path, server.base, "test-token"],
            directory: TestSupport.repositoryRoot,
            timeoutSeconds: 120
        )
        #expect(check.status == 0, "\(check.error)")
        return try #require(try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any], "\(check.output)")
    }

    /// Reads the server's first line, `listening on http://HOST:PORT/v1 · …`, within 60 s; returns the URL.
    static func listeningURL(from handle: FileHandle) async throws -> String {
        let line = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await TestSupport.onOwnThread {
                    var bytes = Data()
                    while !bytes.contains(UInt8(ascii: "\n")) {
                        let chunk = handle.availableData
                        if chunk.isEmpty { break }
                        bytes.append(chunk)
                    }
                    return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                throw TestFailure("orchestrate serve did not say where it listens within 60 s")
            }
            let first = try await group.next() ?? ""
            group.cancelAll()
            return first
        }
        guard let range = line.range(of: #"http://[^ ]+/v1"#, options: String.CompareOptions.regularExpression) else {
            throw TestFailure("orchestrate serve printed '\(line)', not where it listens")
        }
        return String(line[range])
    }
}
