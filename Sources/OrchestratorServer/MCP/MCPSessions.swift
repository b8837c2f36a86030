import Foundation
import Logging
import MCP

/// The MCP sessions of streamable HTTP (`/mcp`): one `MCP.Server` and transport per client, created by its
/// `initialize` request and named by the `Mcp-Session-Id` header after it. At most `limit` sessions live at once; one
/// idle for `idleTimeout` is closed when the next session starts. A closed session's calls in flight run to their end
/// (each run is bounded by its budget); a client stops one by cancelling the call, the server stopping stops all.
actor MCPSessions {
    private struct Session {
        var server: Server
        var transport: StatefulHTTPServerTransport
        var lastUsed: ContinuousClock.Instant
    }

    private struct FixedSessionID: SessionIDGenerator {
        let id: String
        func generateSessionID() -> String { id }
    }

    let toolbox: MCPToolbox
    let validation: any HTTPRequestValidationPipeline
    let limit: Int
    let idleTimeout: Duration
    private var sessions: [String: Session] = [:]

    /// Sessions over `toolbox`. `loopbackOnly` checks `Host` and `Origin` against this machine (DNS rebinding); a
    /// server that others reach needs a token instead, which a browser never sends on its own.
    init(toolbox: MCPToolbox, loopbackOnly: Bool, limit: Int = 64, idleTimeout: Duration = .seconds(1800)) {
        self.toolbox = toolbox
        self.limit = limit
        self.idleTimeout = idleTimeout
        validation = StandardValidationPipeline(validators: [
            loopbackOnly ? OriginValidator.localhost() : OriginValidator.disabled,
            AcceptHeaderValidator(mode: .sseRequired),
            ContentTypeValidator(),
            ProtocolVersionValidator(),
            SessionValidator(),
        ])
    }

    /// Routes one request: to its session's transport, or, for an `initialize` request, to a new session.
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let sessionID = request.header(HTTPHeaderName.sessionID)
        if let sessionID, var session = sessions[sessionID] {
            session.lastUsed = .now
            sessions[sessionID] = session
            let response = await session.transport.handleRequest(request)
            if request.method.uppercased() == "DELETE", response.statusCode == 200 { await close(sessionID) }
            return response
        }
        if request.method.uppercased() == "POST", let body = request.body, Self.isInitialize(body) {
            return await open(request)
        }
        if sessionID != nil { return .error(statusCode: 404, .invalidRequest("Not Found: no such session (it ended or expired)")) }
        return .error(statusCode: 400, .invalidRequest("Bad Request: missing \(HTTPHeaderName.sessionID) header"))
    }

    /// Whether a body is one JSON-RPC `initialize` request.
    static func isInitialize(_ body: Data) -> Bool {
        struct Envelope: Decodable { var method: String? }
        return (try? JSONDecoder().decode(Envelope.self, from: body))?.method == "initialize"
    }

    private func open(_ request: HTTPRequest) async -> HTTPResponse {
        await closeIdle()
        guard sessions.count < limit else {
            return .error(statusCode: 503, .internalError("too many MCP sessions (\(limit)); end one (DELETE) or retry later"))
        }
        let id = UUID().uuidString
        let transport = StatefulHTTPServerTransport(
            sessionIDGenerator: FixedSessionID(id: id),
            validationPipeline: validation,
            logger: toolbox.logger
        )
        let server = await toolbox.makeServer()
        do {
            try await server.start(transport: transport)
        } catch {
            await transport.disconnect()
            return .error(statusCode: 500, .internalError("could not start the MCP session: \(error)"))
        }
        sessions[id] = Session(server: server, transport: transport, lastUsed: .now)
        let response = await transport.handleRequest(request)
        if case .error = response { await close(id) }
        return response
    }

    private func close(_ id: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
    }

    private func closeIdle() async {
        let now = ContinuousClock.now
        for (id, session) in sessions where now - session.lastUsed > idleTimeout { await close(id) }
    }

    /// Ends every session (the server is stopping).
    func closeAll() async {
        for id in Array(sessions.keys) { await close(id) }
    }
}
