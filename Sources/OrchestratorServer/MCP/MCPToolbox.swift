import Foundation
import Logging
import MCP
import Orchestrator

/// orchestrate's door for agent frameworks that reach tools over the Model Context Protocol: the tools `run` (a task
/// through the whole team, with a progress notification per agent turn), `list_runs`, `show_run`, `replay_run` and
/// `feedback`, and each stored run's trace as a resource (`orchestrate://runs/{run_id}`).
///
/// One toolbox serves any number of MCP sessions: `makeServer()` gives each client its own `MCP.Server` over the same
/// orchestrator and store. `orchestrate mcp` serves one client over standard input and output (`serve(over:)`);
/// `orchestrate serve` serves many over streamable HTTP at `/mcp`, behind its token.
///
/// ```swift
/// let toolbox = MCPToolbox(orchestrator: orchestrator, logger: logger)
/// try await toolbox.serve(over: StdioTransport())
/// ```
public struct MCPToolbox: Sendable {
    public let orchestrator: Orchestrator
    /// The orchestrator a run with this seed uses (the live controller of the moment, when serving).
    let planner: @Sendable (UInt64) -> Orchestrator
    /// Runs in flight at once (shared with the HTTP API when served by `OrchestratorServer`).
    let permits: AsyncSemaphore
    /// The runs of tool calls in flight, cancelled when the toolbox stops.
    let inFlight = InFlightRuns()
    /// How long a call's result waits after its last progress notification: over streamable HTTP the SDK sends
    /// notifications on the session's GET stream and results on the call's own, and a client that reads the result
    /// first drops what comes after it. Zero over stdio, where one pipe keeps the order.
    let progressSettle: Duration
    let logger: Logger

    /// A toolbox over `orchestrator`; `live` has runs plan with the live controller of the moment; at most
    /// `maxConcurrentRuns` runs at once, more wait their turn.
    public init(orchestrator: Orchestrator, live: LiveController? = nil, maxConcurrentRuns: Int = 16, logger: Logger) {
        self.init(
            orchestrator: orchestrator,
            planner: { seed in live.map { orchestrator.with(controller: $0.controller(forSeed: seed)) } ?? orchestrator },
            permits: AsyncSemaphore(permits: max(1, maxConcurrentRuns)),
            progressSettle: .zero,
            logger: logger
        )
    }

    init(
        orchestrator: Orchestrator,
        planner: @escaping @Sendable (UInt64) -> Orchestrator,
        permits: AsyncSemaphore,
        progressSettle: Duration,
        logger: Logger
    ) {
        self.orchestrator = orchestrator
        self.planner = planner
        self.permits = permits
        self.progressSettle = progressSettle
        self.logger = logger
    }

    /// The name and version MCP clients see.
    static let serverName = "orchestrate"
    static let serverVersion = "0.28.0"

    /// A new MCP server for one client, with the tools and resources registered.
    public func makeServer() async -> Server {
        let server = Server(
            name: Self.serverName,
            version: Self.serverVersion,
            instructions: """
                orchestrate routes a task across a fleet of language models: the `run` tool picks a team (topology, \
                agents, roles, models), runs it with every message between agents checked, and returns the answer \
                with its score (when an expected answer is given), cost and run id. Every run is recorded; \
                `list_runs`, `show_run`, `replay_run` and `feedback` work on the recorded runs.
                """,
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false))
        )
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: Self.tools(topologies: orchestrator.catalog.topologies.map(\.name)))
        }
        await server.withMethodHandler(CallTool.self) { [weak server] parameters in
            guard let server else { throw MCPError.connectionClosed }
            return try await call(parameters, on: server)
        }
        await server.withMethodHandler(ListResources.self) { _ in
            try await listResources()
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: [Self.traceTemplate])
        }
        await server.withMethodHandler(ReadResource.self) { parameters in
            try await readResource(parameters.uri)
        }
        return server
    }

    /// Serves one client over `transport` (standard input and output for `orchestrate mcp`) until it goes away, then
    /// cancels the runs still in flight (each recorded `cancelled`) and waits for them at most `grace`.
    public func serve(over transport: any Transport, grace: Duration = .seconds(10)) async throws {
        let server = await makeServer()
        try await server.start(transport: transport)
        await withTaskCancellationHandler {
            await server.waitUntilCompleted()
        } onCancel: {
            Task { await server.stop() }
        }
        await inFlight.cancelAll(waitingAtMost: grace)
        await server.stop()
    }

    /// Answers one tool call. A call whose arguments or run fail gets a result marked `isError` that says why (a
    /// failed run keeps its run id); an unknown tool is a protocol error.
    func call(_ parameters: CallTool.Parameters, on server: Server) async throws -> CallTool.Result {
        do {
            switch parameters.name {
            case "run":
                return try await run(parameters.arguments, progressToken: parameters._meta?.progressToken, server: server)
            case "list_runs":
                return try await listRuns(parameters.arguments)
            case "show_run":
                return try await showRun(parameters.arguments)
            case "replay_run":
                return try await replayRun(parameters.arguments)
            case "feedback":
                return try await feedback(parameters.arguments)
            default:
                let names = Self.tools(topologies: []).map(\.name).joined(separator: ", ")
                throw MCPError.invalidParams("unknown tool '\(parameters.name)': expected one of \(names)")
            }
        } catch let error as MCPArgumentError {
            return Self.failure(error.description)
        } catch let error as RunLookupError {
            return Self.failure("\(parameters.name): \(error.description)")
        } catch let error as RunNotRecorded {
            return Self.failure("\(parameters.name): \(error.description)", structured: ["run_id": .string(error.runID)])
        } catch let error as TraceStoreFailure {
            return Self.failure("\(parameters.name): the trace store cannot serve this now: \(error.description)")
        }
    }

    /// A tool result that reports a failure in words.
    static func failure(_ message: String, structured: Value? = nil) -> CallTool.Result {
        CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], structuredContent: structured, isError: true)
    }

    /// A tool result: a JSON object for programs (`structuredContent`) and the same JSON as text for models.
    static func success(_ object: Value, summary: String? = nil) throws -> CallTool.Result {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(object), as: UTF8.self)
        var content: [Tool.Content] = []
        if let summary { content.append(.text(text: summary, annotations: nil, _meta: nil)) }
        content.append(.text(text: json, annotations: nil, _meta: nil))
        return CallTool.Result(content: content, structuredContent: Optional.some(object), isError: false)
    }

    /// An `Encodable` value as MCP's JSON value, encoded as every JSON reply of orchestrate is (ISO 8601 dates).
    static func value(_ encodable: some Encodable) throws -> Value {
        try JSONDecoder().decode(Value.self, from: try OrchestratorServer.jsonEncoder().encode(encodable))
    }
}
