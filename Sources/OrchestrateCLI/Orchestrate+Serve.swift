import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator
import OrchestratorServer

extension Orchestrate {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the orchestrator behind an OpenAI-compatible HTTP API.",
            discussion: """
                POST /v1/chat/completions runs the last user message as a task: "model" is auto (the controller \
                chooses) or a topology; the answer is the assistant's message, and the run id, plan, cost and \
                verification come in an extra "orchestrate" field. An "orchestrate" object in the request may set \
                expected, answer_kind, domain, agents, verify, max_cost_usd, deadline_seconds and task_id. Also \
                GET /v1/models, GET /v1/runs (?limit, status, topology, model), GET /v1/runs/{id} and GET /healthz. \
                Off loopback a bearer token is required (--token or ORCHESTRATE_SERVE_TOKEN). Every run is \
                recorded in the trace database.
                """
        )

        @OptionGroup var common: CommonOptions

        @OptionGroup var embedding: EmbeddingOptions

        @Option(name: .long, help: "The address to bind; anything but loopback needs a token.")
        var host: String = "127.0.0.1"

        @Option(name: .long, help: "The port; 0 picks a free one (printed on start).")
        var port: Int = 8080

        @Option(name: .long, help: "The bearer token requests must carry (default: $ORCHESTRATE_SERVE_TOKEN).")
        var token: String?

        @Option(name: .long, help: "Request bodies larger than this many bytes are refused with 413.")
        var maxBodyBytes: Int = 1 << 20

        @Option(name: .long, help: "Orchestrations in flight at once; more requests wait their turn.")
        var maxConcurrentRuns: Int = 16

        @Option(name: .long, help: "How messages between agents are checked, unless a request says otherwise.")
        var verify: VerificationPolicy = .check

        @Option(name: .long, help: "A trained controller file; default: the prior.")
        var controller: String?

        @Option(
            name: .long,
            help: "When a cascade's next level runs, unless a request says otherwise: \(EscalationPolicy.Rule.syntax)."
        )
        var escalate: EscalationPolicy.Rule = .costWeight(EscalationPolicy.defaultCostWeight)

        @Option(name: .long, help: otlpEndpointHelp)
        var otlpEndpoint: String?

        func run() async throws {
            let logger = common.bootstrapLogging()
            let (catalog, providers) = try common.loadCatalog()
            let embedder = try await embedding.embedder()
            let parameters = try common.controllerParameters(path: controller, catalog: catalog, embedder: embedder)
            let store = try await openTraceStore(common.db, creating: true, logger: logger)
            let orchestrator = try await Orchestrator(
                catalog: catalog,
                store: store,
                configuration: OrchestratorConfiguration(
                    workflowsDirectory: common.workflows,
                    fleetPath: common.fleet,
                    databasePath: common.db,
                    verification: verify,
                    controllerParameters: parameters,
                    escalation: escalate,
                    otlpExporter: try otlpExporter(otlpEndpoint, logger: logger)
                ),
                providers: providers,
                embedder: embedder,
                logger: logger
            )
            let configuration = ServerConfiguration(
                host: host,
                port: port,
                token: token ?? ProcessInfo.processInfo.environment["ORCHESTRATE_SERVE_TOKEN"],
                maxBodyBytes: maxBodyBytes,
                maxConcurrentRuns: maxConcurrentRuns
            )
            let server: OrchestratorServer
            do {
                server = try OrchestratorServer(orchestrator: orchestrator, configuration: configuration, logger: logger)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let label = catalog.fleet.isSimulated ? "SIMULATED fleet" : "fleet"
            let (host, auth) = (self.host, configuration.token == nil ? "no token" : "bearer token required")
            try await server.run { port in
                let line = "listening on http://\(host):\(port)/v1 · \(label) \(catalog.fleet.name) · traces \(store.name) · \(auth)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            // Stopping: the runs the store could not take get a last chance to be written.
            await writeAbandonedRuns(of: store)
        }
    }
}
