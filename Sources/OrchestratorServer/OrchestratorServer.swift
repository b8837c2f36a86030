import Foundation
import Hummingbird
import Logging
import Orchestrator
import ServiceLifecycle
import UnixSignals

/// An OpenAI-compatible HTTP front door to an `Orchestrator`, so that agent frameworks in any language can call
/// the whole team as if it were one model.
///
/// Routes: `POST /v1/chat/completions` (`model` is `auto` or a topology's name; the answer comes back as the
/// assistant's message and the run in an extra `orchestrate` field), `GET /v1/models`, `GET /v1/runs`,
/// `GET /v1/runs/{id}` (the whole stored trace), `GET /metrics` (Prometheus), the web trace viewer under `/ui`
/// (`TraceViewer`; `GET /` leads there), the Model Context Protocol at `/mcp` (`MCPToolbox`'s tools over streamable
/// HTTP) and `GET /healthz`. Requests run concurrently, up to
/// `maxConcurrentRuns` orchestrations at once; bodies are capped; every error is JSON in OpenAI's shape; with a
/// token (required off loopback) every route but `/healthz` needs `Authorization: Bearer TOKEN`.
///
/// ```swift
/// let server = try OrchestratorServer(orchestrator: orchestrator, configuration: .init(port: 8080), logger: logger)
/// try await server.run()
/// ```
public struct OrchestratorServer: Sendable {
    public let orchestrator: Orchestrator
    public let configuration: ServerConfiguration
    let logger: Logger
    let runs: AsyncSemaphore
    /// What `/metrics` tells of the runs this server made.
    let metrics = ServeMetrics()
    /// The web trace viewer under `/ui`, over the orchestrator's store.
    let viewer: TraceViewer
    /// The controller requests plan with when it may change while serving (promotions); nil: the orchestrator's own.
    public let live: LiveController?
    /// How often `live` reads the store's live version; nil: never (a controller pinned by the operator).
    public let followInterval: Duration?
    /// Retrains and promotes in the background (`serve --learn`); nil: no learning.
    public let learner: ControllerLearner?
    /// The MCP sessions of `/mcp`.
    let mcpSessions: MCPSessions

    /// Checks the configuration (a non-loopback address needs a token). With `live`, each request plans with its
    /// controller of the moment; `followInterval` has it follow the store's promotions; `learner` runs beside requests.
    public init(
        orchestrator: Orchestrator,
        configuration: ServerConfiguration,
        live: LiveController? = nil,
        followInterval: Duration? = nil,
        learner: ControllerLearner? = nil,
        logger: Logger
    ) throws(ServerConfigurationError) {
        try configuration.validate()
        self.orchestrator = orchestrator
        self.configuration = configuration
        self.live = live
        self.followInterval = live == nil ? nil : followInterval
        self.learner = learner
        self.logger = logger
        let runs = AsyncSemaphore(permits: configuration.maxConcurrentRuns)
        self.runs = runs
        let toolbox = MCPToolbox(
            orchestrator: orchestrator,
            planner: { seed in live.map { orchestrator.with(controller: $0.controller(forSeed: seed)) } ?? orchestrator },
            permits: runs,
            progressSettle: .milliseconds(100),
            logger: logger
        )
        mcpSessions = MCPSessions(toolbox: toolbox, loopbackOnly: configuration.isLoopback)
        do {
            viewer = try TraceViewer(store: orchestrator.store)
        } catch {
            throw ServerConfigurationError(message: "\(error)")
        }
    }

    /// The application: routes, error shape and authentication. `onServerRunning` gets the bound port.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: OpenAIErrorMiddleware())
        if let token = configuration.token, !token.isEmpty {
            router.add(middleware: BearerTokenMiddleware(token: token))
        }
        addRoutes(to: router)
        addMCPRoutes(to: router)
        viewer.addRoutes(to: router)
        if let token = configuration.token, !token.isEmpty { viewer.addLoginRoutes(to: router, token: token) }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "orchestrate"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Serves until the process is told to stop (SIGINT, SIGTERM); meanwhile marks runs abandoned by other processes
    /// (a replica killed mid-run) as `interrupted` (`StaleRunSweeper`).
    /// With a live controller that follows the store, it reads the live version every `followInterval`; with a
    /// learner, the learner runs beside the requests.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let sweeper = StaleRunSweeper(store: orchestrator.store, logger: logger)
        let sweeping = Task { await sweeper.run() }
        let following = Task { [live, followInterval] in
            if let live, let followInterval { await live.follow(every: followInterval) }
        }
        let learning = Task { [learner] in await learner?.run() }
        defer {
            sweeping.cancel()
            following.cancel()
            learning.cancel()
        }
        // The MCP sessions' closer stops first (a group stops its services last to first): their open streams would
        // otherwise hold the server's graceful shutdown.
        let services: [any Service] = [application(onServerRunning: onServerRunning), MCPSessionCloser(sessions: mcpSessions)]
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }

    /// The orchestrator a request with this seed runs on: planning with the live controller of the moment (or, for its
    /// share of seeds, a candidate on trial).
    func current(seed: UInt64) -> Orchestrator {
        mcpSessions.toolbox.planner(seed)
    }
}
