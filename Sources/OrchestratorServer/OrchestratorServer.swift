import Foundation
import Hummingbird
import Logging
import Orchestrator

/// An OpenAI-compatible HTTP front door to an `Orchestrator`, so that agent frameworks in any language can call
/// the whole team as if it were one model.
///
/// Routes: `POST /v1/chat/completions` (`model` is `auto` or a topology's name; the answer comes back as the
/// assistant's message and the run in an extra `orchestrate` field), `GET /v1/models`, `GET /v1/runs`,
/// `GET /v1/runs/{id}` (the whole stored trace), `GET /metrics` (Prometheus), the web trace viewer under `/ui`
/// (`TraceViewer`) and `GET /healthz`. Requests run concurrently, up to
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

    /// Checks the configuration (a non-loopback address needs a token).
    public init(orchestrator: Orchestrator, configuration: ServerConfiguration, logger: Logger) throws(ServerConfigurationError) {
        try configuration.validate()
        self.orchestrator = orchestrator
        self.configuration = configuration
        self.logger = logger
        runs = AsyncSemaphore(permits: configuration.maxConcurrentRuns)
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
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let sweeper = StaleRunSweeper(store: orchestrator.store, logger: logger)
        let sweeping = Task { await sweeper.run() }
        defer { sweeping.cancel() }
        try await application(onServerRunning: onServerRunning).runService()
    }
}
