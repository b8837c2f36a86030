import CommandLineSupport
import Logging
import Orchestrator

/// What a long-running door (`serve`, `mcp`) opens before it builds its orchestrator: logging, the catalogue and its
/// providers, the embedder, a pinned controller if any, and the trace store — where the pinned controller's parameters
/// are recorded, so that off-policy training can re-score its runs.
struct ServingParts {
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
        return ServingParts(logger: logger, catalog: catalog, providers: providers, embedder: embedder, parameters: parameters, store: store)
    }
}
