import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator

extension OrchestratorServer {
    /// What the run of a streamed request tells its stream.
    enum StreamEvent: Sendable {
        case progress(AgentProgress)
        case finished(RunResult)
        case failed(OpenAIError)
        /// Nothing new for a while: a comment line, which also finds out early that the client went away.
        case keepAlive
    }

    /// How often a quiet stream sends a comment line.
    static let keepAliveInterval: Duration = .seconds(1)

    /// Answers a `stream: true` request with server-sent events in OpenAI's chunk format: the assistant's role, a
    /// progress chunk as each agent finishes (`orchestrate.progress`), the answer as content, a last chunk with the
    /// finish reason, usage and the run (`orchestrate.run`), then `data: [DONE]`. With `includeUsage`
    /// (`stream_options.include_usage`) the finish chunk carries no usage and, as OpenAI's API does, one more chunk
    /// with no choices carries it, with the run (cost, plan) beside. A run that fails sends OpenAI's error object
    /// instead of the answer. A client that goes away cancels the run, which is recorded `cancelled`.
    func streamedCompletion(
        of task: OrchestrationTask,
        by runner: Orchestrator,
        seed: UInt64,
        model: String,
        includeUsage: Bool,
        request: Request
    ) -> Response {
        let id = "chatcmpl-\(TraceIDs.runID())"
        let created = Int(Date().timeIntervalSince1970)
        let stamp = ChatCompletionChunk.Stamp(id: id, created: created, model: model)
        let runs = self.runs
        let body = ResponseBody { writer in
            let (events, continuation) = AsyncStream<StreamEvent>.makeStream()
            let run = Task {
                do {
                    let result = try await runs.withPermit {
                        try await runner.run(task, seed: seed) { continuation.yield(.progress($0)) }
                    }
                    count(result)
                    continuation.yield(.finished(result))
                } catch let error as RunNotRecorded {
                    continuation.yield(.failed(.storeUnavailable(error.failure, runID: error.runID)))
                } catch {
                    continuation.yield(.failed(OpenAIError(status: .internalServerError, message: "\(error)", type: "server_error")))
                }
                continuation.finish()
            }
            let ticking = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.keepAliveInterval)
                    continuation.yield(.keepAlive)
                }
            }
            defer { ticking.cancel() }
            do {
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await writer.write(ByteBuffer(string: try stamp.chunk(.init(role: "assistant")).event()))
                    for await event in events {
                        switch event {
                        case .progress(let progress):
                            var progressChunk = stamp.chunk(.init())
                            progressChunk.orchestrate = .init(progress: progress)
                            try await writer.write(ByteBuffer(string: try progressChunk.event()))
                        case .finished(let result):
                            try await writer.write(ByteBuffer(string: try Self.closingEvents(of: result, stamp: stamp, includeUsage: includeUsage)))
                        case .failed(let error):
                            try await writer.write(ByteBuffer(string: "data: \(String(decoding: error.body(), as: UTF8.self))\n\n"))
                        case .keepAlive:
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        }
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                } onInboundClosed: {
                    run.cancel()
                }
                try await writer.finish(nil)
            } catch {
                // The client went away: the run stops and records itself cancelled before the stream ends.
                run.cancel()
                _ = await run.result
                throw error
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        // Listening for the client to close its side takes the connection: it closes when the stream ends.
        headers[.connection] = "close"
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The answer as content and the closing chunk (then the usage chunk with `includeUsage`), or OpenAI's error
    /// object for a failed run.
    static func closingEvents(of result: RunResult, stamp: ChatCompletionChunk.Stamp, includeUsage: Bool) throws -> String {
        guard result.status != .failed else {
            let error = OpenAIError(
                status: .badGateway,
                message: "the orchestration failed: \(result.error ?? "no agent answered")",
                type: "server_error",
                code: "orchestration_failed",
                runID: result.runID
            )
            return "data: \(String(decoding: error.body(), as: UTF8.self))\n\n"
        }
        let whole = ChatCompletionResponse(result: result, model: stamp.model)
        var finish = stamp.chunk(.init(), finish: whole.choices[0].finishReason)
        var closing = [stamp.chunk(.init(content: result.answer ?? "")), finish]
        if includeUsage {
            var usage = ChatCompletionChunk(id: stamp.id, created: stamp.created, model: stamp.model, choices: [])
            usage.usage = whole.usage
            usage.orchestrate = .init(run: whole.orchestrate)
            closing.append(usage)
        } else {
            finish.usage = whole.usage
            finish.orchestrate = .init(run: whole.orchestrate)
            closing[1] = finish
        }
        return try closing.map { try $0.event() }.joined()
    }
}
