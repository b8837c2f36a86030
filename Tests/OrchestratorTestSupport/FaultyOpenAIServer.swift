import Foundation
import NIOCore
import NIOPosix

/// An OpenAI-protocol chat-completions server on 127.0.0.1 that misbehaves on request, for tests.
///
/// Each model id has a script of behaviours, used one per request in order; the last one repeats. It speaks
/// raw HTTP/1.1 so that it can also break the protocol: cut a body short, close the connection unanswered.
public final class FaultyOpenAIServer: Sendable {
    /// What the server does with one request.
    public enum Behaviour: Sendable {
        /// A normal reply with this content and reported usage.
        case reply(String)
        /// A normal reply without a `usage` object.
        case replyWithoutUsage(String)
        /// An error status with an OpenAI error body, and a `Retry-After` header when given.
        case status(Int, retryAfter: String? = nil)
        /// A normal reply, after a delay.
        case slow(seconds: Double, then: String)
        /// A 200 whose body is the first half of a valid reply.
        case truncatedJSON
        /// A 200 with `"choices": []`.
        case emptyChoices
        /// A 200 whose one choice has empty content.
        case emptyContent
        /// The connection closes without a reply.
        case closeConnection
        /// A normal reply padded to at least this many bytes.
        case oversize(bytes: Int)
        /// An embeddings reply: for each input a vector of this many letter counts (letter code modulo the
        /// dimension), listed in reverse order with their indices, as a server may. Per token: one such vector
        /// per word instead, as llama.cpp's server sends without pooling.
        case embeddings(dimension: Int, perToken: Bool = false)
    }

    /// One request as received.
    public struct Received: Sendable {
        public var model: String
        public var authorization: String?
        public var body: [String: any Sendable]
        /// The texts of an embeddings request.
        public var inputs: [String] = []
        /// The body exactly as it arrived.
        public var rawBody = ""
    }

    /// The scripts and what was received, shared with the connection handlers.
    public actor Script {
        private var behaviours: [String: [Behaviour]]
        public private(set) var received: [Received] = []

        public init(_ behaviours: [String: [Behaviour]]) {
            self.behaviours = behaviours
        }

        public func next(for request: Received) -> Behaviour {
            received.append(request)
            guard var queue = behaviours[request.model], let first = queue.first else {
                return .status(404, retryAfter: nil)
            }
            if queue.count > 1 {
                queue.removeFirst()
                behaviours[request.model] = queue
            }
            return first
        }

        public func count(for model: String) -> Int {
            received.filter { $0.model == model }.count
        }
    }

    public let script: Script
    public let port: Int
    private let channel: any Channel

    private init(script: Script, channel: any Channel) {
        self.script = script
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    /// The base URL to put in a fleet: `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts a server with a script per model id.
    public static func start(_ behaviours: [String: [Behaviour]]) async throws -> FaultyOpenAIServer {
        let script = Script(behaviours)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return FaultyOpenAIServer(script: script, channel: channel)
    }

    public func stop() async {
        try? await channel.close()
    }

    /// The body of a normal reply.
    public static func replyBody(content: String, usage: Bool, padding: Int = 0) -> String {
        var object: [String: Any] = [
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": "test",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
        ]
        if usage {
            object["usage"] = ["prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49]
        }
        if padding > 0 {
            object["padding"] = String(repeating: "x", count: padding)
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The raw bytes for a behaviour, or nil to close without answering.
    public static func response(for behaviour: Behaviour, request: Received) -> String? {
        func http(_ status: Int, _ reason: String, body: String, extra: [String] = []) -> String {
            var lines = ["HTTP/1.1 \(status) \(reason)", "Content-Type: application/json", "Content-Length: \(body.utf8.count)", "Connection: close"]
            lines += extra
            return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
        }
        switch behaviour {
        case .reply(let content), .slow(_, let content):
            return http(200, "OK", body: replyBody(content: content, usage: true))
        case .replyWithoutUsage(let content):
            return http(200, "OK", body: replyBody(content: content, usage: false))
        case .status(let code, let retryAfter):
            let body = #"{"error":{"message":"injected failure \#(code)","type":"test"}}"#
            return http(code, "Injected", body: body, extra: retryAfter.map { ["Retry-After: \($0)"] } ?? [])
        case .truncatedJSON:
            let body = replyBody(content: "Answer: 4", usage: true)
            return http(200, "OK", body: String(body.prefix(body.count / 2)))
        case .emptyChoices:
            return http(200, "OK", body: #"{"id":"x","object":"chat.completion","choices":[]}"#)
        case .emptyContent:
            return http(200, "OK", body: replyBody(content: "", usage: true))
        case .closeConnection:
            return nil
        case .oversize(let bytes):
            return http(200, "OK", body: replyBody(content: "Answer: 4", usage: true, padding: bytes))
        case .embeddings(let dimension, let perToken):
            func counts(_ text: Substring) -> [Double] {
                var vector = [Double](repeating: 0, count: dimension)
                for scalar in text.lowercased().unicodeScalars where scalar.properties.isAlphabetic {
                    vector[Int(scalar.value) % dimension] += 1
                }
                return vector
            }
            let items: [[String: Any]] = request.inputs.enumerated().reversed().map { index, text in
                let embedding: Any = perToken ? text.split(separator: " ").map(counts) : counts(Substring(text))
                return ["object": "embedding", "index": index, "embedding": embedding]
            }
            let object: [String: Any] = ["object": "list", "data": items, "model": "test", "usage": ["prompt_tokens": 1, "total_tokens": 1]]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return http(200, "OK", body: String(decoding: data, as: UTF8.self))
        }
    }
}

/// Reads one HTTP request off a connection and answers it as the script says.
private final class ConnectionHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer

    private let script: FaultyOpenAIServer.Script
    private var buffer: [UInt8] = []
    private var handled = false

    public init(script: FaultyOpenAIServer.Script) {
        self.script = script
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
        guard !handled, let request = Self.parse(buffer) else { return }
        handled = true
        let channel = context.channel
        let script = script
        Task {
            let behaviour = await script.next(for: request)
            if case .slow(let seconds, _) = behaviour {
                try? await Task.sleep(for: .milliseconds(seconds * 1000))
            }
            guard let text = FaultyOpenAIServer.response(for: behaviour, request: request) else {
                try? await channel.close()
                return
            }
            try? await channel.writeAndFlush(ByteBuffer(string: text))
            try? await channel.close()
        }
    }

    /// The request once its headers and whole body have arrived.
    public static func parse(_ bytes: [UInt8]) -> FaultyOpenAIServer.Received? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = (0...max(0, bytes.count - separator.count)).first(where: { Array(bytes[$0..<min(bytes.count, $0 + 4)]) == separator })
        else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        var length = 0
        var authorization: String?
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "content-length": length = Int(parts[1]) ?? 0
            case "authorization": authorization = parts[1]
            default: break
            }
        }
        let bodyStart = end + separator.count
        guard bytes.count >= bodyStart + length else { return nil }
        let body = Data(bytes[bodyStart..<(bodyStart + length)])
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        var sendable: [String: any Sendable] = [:]
        for (key, value) in object {
            if let number = value as? NSNumber {
                sendable[key] = number.doubleValue
            } else if let text = value as? String {
                sendable[key] = text
            } else if let array = value as? [Any] {
                sendable[key] = array.count
            }
        }
        let input = object["input"]
        let inputs = (input as? [String]) ?? (input as? String).map { [$0] } ?? []
        return FaultyOpenAIServer.Received(
            model: object["model"] as? String ?? "",
            authorization: authorization,
            body: sendable,
            inputs: inputs,
            rawBody: String(decoding: body, as: UTF8.self)
        )
    }
}
