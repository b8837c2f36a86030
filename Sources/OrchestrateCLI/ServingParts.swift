import CommandLineSupport
import Logging
import Orchestrator

/// What a long-running door (`serve`, `mcp`) opens before it serves: logging, the catalogue and its providers, the
/// embedder, a pinned controller if any, and the trace store — where the pinned controller's parameters are recorded,
/// so that off-policy training can re-score its runs; then the orchestrator over them and the controller it plans with.
struct ServingParts {
    var common: CommonOptions
    var logger: Logger
    var catalog: Catalog
    var providers: ProviderRegistry
    var embedder: any Embedder
    /// The controller file's parameters; nil: plan with the store's live controller.
    var parameters: ControllerParameters?
    var store: TraceStore

    static func open(common: CommonOptions, embedding: EmbeddingOptions, controller: String?) async throws -> ServingParts {
        let logger = common.bootstrapLogging()
        let (catalog, providers) = try common.loadCatalog()
        let embedder = try await embedding.embedder()
        let parameters = try common.controllerParameters(path: controller, catalog: catalog, embedder: embedder)
        let store = try await openTraceStore(common.db, creating: true, logger: logger)
        if let parameters { try await store.recordControllerVersion(parameters, origin: "imported", verdict: "imported") }
        return ServingParts(
            common: common,
            logger: logger,
            catalog: catalog,
            providers: providers,
            embedder: embedder,
            parameters: parameters,
            store: store
        )
    }

    /// The orchestrator over these parts.
    func orchestrator(
        settings: ControllerSettings = ControllerSettings(),
        verification: VerificationPolicy,
        escalation: EscalationPolicy.Rule = .costWeight(EscalationPolicy.defaultCostWeight),
        otlpExporter: OTLPExporter? = nil
    ) async throws -> Orchestrator {
        try await Orchestrator(
            catalog: catalog,
            store: store,
            configuration: OrchestratorConfiguration(
                workflowsDirectory: common.workflows,
                fleetPath: common.fleet,
                databasePath: common.db,
                controller: settings,
                verification: verification,
                controllerParameters: parameters,
                escalation: escalation,
                otlpExporter: otlpExporter
            ),
            providers: providers,
            embedder: embedder,
            logger: logger
        )
    }

    /// The controller requests plan with: the pinned one, or the store's live version for the fleet, read now (its
    /// `follow(every:)` keeps it current).
    func liveController(of orchestrator: Orchestrator) async throws -> LiveController {
        let live = LiveController(controller: orchestrator.controller, store: store, embedder: embedder, logger: logger)
        if parameters == nil { try await live.refresh() }
        return live
    }
}
