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

    /// `stream_options.include_usage`, as OpenAI's API does it: the finish chunk carries no usage; one more chunk with
    /// no choices carries the usage, equal to the unstreamed run's of the same seed, and the run with its cost.
    /// Without it the finish chunk carries both, and no chunk comes without choices.
    @Test func includeUsageEndsTheStreamWithAUsageChunkEqualToTheUnstreamedRuns() async throws {
        let server = try await ServerTests.server()
        let request = #"{"model":"debate","seed":9,"messages":[\#(ServerTests.question)],"orchestrate":{"agents":3}"#
        let unstreamed = try await server.application().test(.live) { client in
            let whole = try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: request + "}"))
            return try #require(try ServerTests.object(whole.body)["usage"] as? [String: Int])
        }
        try await server.application().test(.live) { client in
            #expect((unstreamed["total_tokens"] ?? 0) > 0)
            let withUsage = try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                body: ByteBuffer(string: request + #","stream":true,"stream_options":{"include_usage":true}}"#)
            )
            let (objects, done) = try Self.events(withUsage.body)
            #expect(done)
            let last = try #require(objects.last)
            #expect((last["choices"] as? [Any])?.isEmpty == true, "the usage chunk has no choices")
            #expect(last["usage"] as? [String: Int] == unstreamed, "the streamed run's tokens are the unstreamed run's")
            let run = try #require((last["orchestrate"] as? [String: Any])?["run"] as? [String: Any])
            let cost = try #require(run["cost_usd"] as? Double)
            #expect(cost > 0)
            #expect(objects.dropLast().allSatisfy { $0["usage"] == nil }, "only the last chunk carries usage")
            let finish = try #require(objects.dropLast().last)
            #expect((finish["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")
        }
        // A stream closes its connection: the next one on a new connection.
        try await server.application().test(.live) { client in
            let without = try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                body: ByteBuffer(string: request + #","stream":true}"#)
            )
            let plain = try Self.events(without.body).objects
            #expect(plain.allSatisfy { ($0["choices"] as? [Any])?.isEmpty == false }, "no chunk without choices unless asked")
            #expect(plain.last?["usage"] as? [String: Int] == unstreamed)
        }
    }
}
