import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore
import Orchestrator
import ServiceLifecycle

extension OrchestratorServer {
    /// `/mcp`: the Model Context Protocol over streamable HTTP (POST a JSON-RPC message, GET the session's stream of
    /// notifications, DELETE to end the session), behind the server's token like every route. Each client's session
    /// runs its tools on this server's orchestrator, sharing its limit of runs in flight and its live controller.
    func addMCPRoutes(to router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on("mcp", method: method) { request, _ in
                try await mcp(request)
            }
        }
    }

    func mcp(_ request: Request) async throws -> Response {
        var request = request
        var body: Data?
        if request.method == .post {
            body = Data((try await request.collectBody(upTo: configuration.maxBodyBytes)).readableBytesView)
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let given = MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: request.uri.path)
        return Self.response(await mcpSessions.handle(given))
    }

    /// The MCP transport's answer as Hummingbird's response; a stream of server-sent events is written as it comes.
    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        if case .stream(let events, _) = answer {
            return Response(
                status: status,
                headers: fields,
                body: ResponseBody { writer in
                    for try await event in events { try await writer.write(ByteBuffer(bytes: event)) }
                    try await writer.finish(nil)
                }
            )
        }
        return Response(
            status: status,
            headers: fields,
            body: answer.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        )
    }
}

/// Ends serve's MCP sessions when the server is told to stop, so that their open streams do not hold the shutdown,
/// and cancels their runs in flight (each recorded `cancelled`), waiting for them at most 10 s.
struct MCPSessionCloser: Service {
    let sessions: MCPSessions

    func run() async throws {
        try? await gracefulShutdown()
        await sessions.closeAll()
        await sessions.toolbox.inFlight.cancelAll(waitingAtMost: .seconds(10))
    }
}
