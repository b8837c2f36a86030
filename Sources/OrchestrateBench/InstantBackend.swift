import NIOCore
import NIOHTTP1
import NIOPosix

/// An OpenAI-compatible backend on 127.0.0.1 that answers every request at once with the same chat completion, so
/// that what a bench measures in front of it is the caller's own cost. One event loop: it answers tens of thousands
/// of requests a second, far more than a router in front of it sends.
final class InstantBackend: Sendable {
    /// The reply to every request: a one-line answer with its usage.
    static let reply = """
        {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench",\
        "choices":[{"index":0,"message":{"role":"assistant","content":"4 + 3 = 7.\\nAnswer: 7"},"finish_reason":"stop"}],\
        "usage":{"prompt_tokens":24,"completion_tokens":9,"total_tokens":33}}
        """

    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    /// Where it listens.
    let port: Int

    /// Starts listening on a free loopback port.
    init() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        self.group = group
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    /// Its chat-completions base URL.
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    /// Answers each request once its body has arrived, keeping the connection open.
    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private var keepAlive = true

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                keepAlive = head.isKeepAlive
            case .body:
                break
            case .end:
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: "\(InstantBackend.reply.utf8.count)")
                if !keepAlive { headers.add(name: "Connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: InstantBackend.reply)))), promise: nil)
                guard !keepAlive else {
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    return
                }
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }
}
