import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// `stream: true` over a live server: OpenAI's chunks in order, one progress chunk per agent turn, the answer as
/// content, then `[DONE]`.
@Suite(.timeLimit(.minutes(5))) struct StreamingTests {
    /// The JSON objects of a body of server-sent events, and whether it ended with `[DONE]`.
    static func events(_ body: ByteBuffer) throws -> (objects: [[String: Any]], done: Bool) {
        let lines = String(buffer: body).split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }
        let objects = try lines.filter { $0 != "[DONE]" }.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return (objects, lines.last == "[DONE]")
    }

    @Test func aStreamTellsEachAgentsTurnThenTheAnswerOfTheSameRunAsUnstreamed() async throws {
        let store = try TraceStore.inMemory()
        let orchestrator = try await Orchestrator(catalog: try TestSupport.catalog(), store: store, logger: TestSupport.logger)
        let server = try OrchestratorServer(orchestrator: orchestrator, configuration: ServerConfiguration(), logger: TestSupport.logger)
        let request = #"{"model":"debate","seed":5,"messages":[\#(ServerTests.question)],"orchestrate":{"agents":3,"task_id":"t"}"#
        try await server.application().test(.live) { client in
            let whole = try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: request + "}"))
            let unstreamed = try ServerTests.object(whole.body)
            let response = try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                body: ByteBuffer(string: request + #","stream":true}"#)
            )
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            let (objects, done) = try Self.events(response.body)
            #expect(done, "the stream ends with [DONE]")
            #expect(objects.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(objects.compactMap { $0["id"] as? String }).count == 1, "one id for the whole stream")
            let deltas = objects.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
            #expect(deltas.count == objects.count && deltas.first?["role"] as? String == "assistant")
            let progress = objects.compactMap { ($0["orchestrate"] as? [String: Any])?["progress"] as? [String: Any] }
            let run = try #require(objects.last.flatMap { ($0["orchestrate"] as? [String: Any])?["run"] as? [String: Any] })
            let runID = try #require(run["run_id"] as? String)
            let messages = try await store.messages(runID: runID)
            #expect(progress.count == messages.count && messages.count >= 5, "one progress chunk per turn")
            // Turns of one step end concurrently: compare by step and agent.
            let told = progress.map { "\($0["step"] as? Int ?? -1)/\($0["agent"] as? Int ?? -1): \($0["answer"] as? String ?? "—")" }.sorted()
            #expect(told == messages.map { "\($0.step)/\($0.agentIndex): \($0.answer ?? "—")" }.sorted(), "each turn told once, with its answer")
            #expect(progress.map { $0["step"] as? Int ?? -1 } == progress.map { $0["step"] as? Int ?? -1 }.sorted(), "step by step")
            let content = deltas.compactMap { $0["content"] as? String }.joined()
            #expect(content == (try await store.run(id: runID))?.answer)
            let answer = ((unstreamed["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(content == answer, "the same seed answers the same, streamed or not")
            let other = try #require((unstreamed["orchestrate"] as? [String: Any])?["run_id"] as? String)
            let byTurn = { (rows: [MessageRecord]) in rows.map { "\($0.step)/\($0.agentIndex): \($0.response ?? "")" }.sorted() }
            #expect(byTurn(try await store.messages(runID: other)) == byTurn(messages), "and runs the same")
            #expect((objects.last?["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")
        }
    }
}
