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
        let python = try #require(OpenAIClient.python, "ORCHESTRATE_OPENAI_PYTHON is not set: scripts/test.sh sets it")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("serve.sqlite").path
        let executable = try #require(TestSupport.executable(), "the orchestrate executable was not built")

        let server = Process()
        server.executableURL = executable
        server.arguments = ["serve", "--port", "0", "--token", "test-token", "--db", database]
        server.currentDirectoryURL = TestSupport.repositoryRoot
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        let base = try await OpenAIClient.listeningURL(from: output.fileHandleForReading)

        let check = try await Subprocess.run(
            python,
            [TestSupport.repositoryRoot.appendingPathComponent("scripts/openai-client-check.py").path, base, "test-token"],
            directory: TestSupport.repositoryRoot,
            timeoutSeconds: 120
        )
        #expect(check.status == 0, "\(check.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any], "\(check.output)")
        #expect((report["models"] as? [String])?.contains("debate") == true)
        let auto = try #require(report["auto"] as? [String: Any])
        #expect(auto["model"] as? String == "auto" && auto["finish_reason"] as? String == "stop")
        #expect((auto["total_tokens"] as? Int ?? 0) > 0 && (auto["cost_usd"] as? Double ?? 0) > 0)
        let debate = try #require(report["debate"] as? [String: Any])
        #expect(debate["topology"] as? String == "debate" && debate["agents"] as? Int == 3 && debate["policy"] as? String == "check+quarantine")
        let errors = try #require(report["errors"] as? [String: [String: Any]])
        #expect(errors["unknown_model"]?["status"] as? Int == 404 && errors["unknown_model"]?["code"] as? String == "model_not_found")
        #expect(errors["wrong_token"]?["status"] as? Int == 401)
        #expect(errors["stream"]?["status"] as? Int == 400 && errors["stream"]?["param"] as? String == "stream")

        server.terminate()
        try await TestSupport.runToExit(server)
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

/// Where a Python with the `openai` package is, as `scripts/test.sh` exports it, and whether the test must run.
enum OpenAIClient {
    static let python = ProcessInfo.processInfo.environment["ORCHESTRATE_OPENAI_PYTHON"]
    /// Set by `scripts/test.sh` (and so by CI): the test then fails instead of being skipped without the client.
    static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_OPENAI_CLIENT"] == "1"

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
