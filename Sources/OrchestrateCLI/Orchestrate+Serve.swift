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
                GET /v1/models, GET /v1/runs (?limit, status, topology, model), GET /v1/runs/{id} and GET /healthz; \
                the Model Context Protocol over streamable HTTP at /mcp (see `orchestrate mcp`); the trace viewer at /ui. \
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

        @Option(
            name: .long,
            help: "A trained controller file, pinned; default: the store's live controller (the prior until one is promoted), followed as it changes."
        )
        var controller: String?

        @Option(name: .long, help: "How often to read the store's live controller version, in seconds (1 to 60).")
        var followSeconds: Double = 15

        @Flag(
            name: .long,
            help:
                "Learn from the store while serving: retrain off-policy in the background and promote a candidate only when it beats the live controller on held-out scored runs; plans are sampled with an exploration floor."
        )
        var learn = false

        @Option(name: .long, help: "With --learn: retrain after this many newly scored runs.")
        var learnEvery: Int = 200

        @Option(name: .long, help: "With --learn: retrain after this many minutes when any run was scored since.")
        var learnMinutes: Double = 10

        @Option(name: .long, help: "With --learn: train on at most this many of the newest scored runs (the newest 30% held out for the guard).")
        var learnWindow: Int = 4000

        @Option(name: .long, help: "With --learn: the share of each decision's probability spread over every candidate (0 to below 1).")
        var explorationFloor: Double = 0.05

        @Option(
            name: .long,
            help:
                "With --learn: the share of requests a promising candidate plans while on trial, when the live controller's runs cannot judge it (0: no trials)."
        )
        var canaryShare: Double = 0.2

        @Option(name: [.customLong("lambda")], help: "With --learn: λ, the utility lost per US dollar.")
        var costWeight: Double = 20

        @Option(
            name: .long,
            help: "When a cascade's next level runs, unless a request says otherwise: \(EscalationPolicy.Rule.syntax)."
        )
        var escalate: EscalationPolicy.Rule = .costWeight(EscalationPolicy.defaultCostWeight)

        @Option(name: .long, help: otlpEndpointHelp)
        var otlpEndpoint: String?

        func validate() throws {
            guard (1...60).contains(followSeconds) else { throw ValidationError("--follow-seconds must be from 1 to 60, got \(followSeconds)") }
            guard learnEvery >= 1 else { throw ValidationError("--learn-every must be at least 1, got \(learnEvery)") }
            guard learnMinutes > 0, learnMinutes.isFinite else { throw ValidationError("--learn-minutes must be positive, got \(learnMinutes)") }
            guard learnWindow >= 10 else { throw ValidationError("--learn-window must be at least 10, got \(learnWindow)") }
            guard (0..<1).contains(explorationFloor) else {
                throw ValidationError("--exploration-floor must be from 0 to below 1, got \(explorationFloor)")
            }
            guard costWeight >= 0, costWeight.isFinite else { throw ValidationError("--lambda must be 0 or more, got \(costWeight)") }
            guard (0..<1).contains(canaryShare) else { throw ValidationError("--canary-share must be from 0 to below 1, got \(canaryShare)") }
        }

        func run() async throws {
            let parts = try await ServingParts.open(common: common, embedding: embedding, controller: controller)
            let (logger, catalog, parameters, store) = (parts.logger, parts.catalog, parts.parameters, parts.store)
            let settings =
                learn
                ? ControllerSettings(selection: .sample, costWeight: costWeight, explorationFloor: explorationFloor)
                : ControllerSettings()
            let orchestrator = try await parts.orchestrator(
                settings: settings,
                verification: verify,
                escalation: escalate,
                otlpExporter: try otlpExporter(otlpEndpoint, logger: logger)
            )
            let configuration = ServerConfiguration(
                host: host,
                port: port,
                token: token ?? ProcessInfo.processInfo.environment["ORCHESTRATE_SERVE_TOKEN"],
                maxBodyBytes: maxBodyBytes,
                maxConcurrentRuns: maxConcurrentRuns
            )
            let live = try await parts.liveController(of: orchestrator)
            let learner =
                learn
                ? ControllerLearner(
                    orchestrator: orchestrator.with(controller: orchestrator.controller.with(parameters: ControllerParameters?.none)),
                    live: live,
                    options: ControllerLearner.Options(
                        everyScoredRuns: learnEvery,
                        everySeconds: learnMinutes * 60,
                        minimumRuns: min(learnEvery, learnWindow),
                        window: learnWindow,
                        training: PolicyTrainer.Options(costWeight: costWeight),
                        canaryShare: canaryShare
                    ),
                    logger: logger
                ) : nil
            let server: OrchestratorServer
            do {
                server = try OrchestratorServer(
                    orchestrator: orchestrator,
                    configuration: configuration,
                    live: live,
                    followInterval: parameters == nil ? .milliseconds(Int(followSeconds * 1000)) : nil,
                    learner: learner,
                    logger: logger
                )
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let label = catalog.fleet.isSimulated ? "SIMULATED fleet" : "fleet"
            let (host, auth) = (self.host, configuration.token == nil ? "no token" : "bearer token required")
            try await server.run { port in
                let learning = learn ? " · learning (floor \(explorationFloor), every \(learnEvery) scored runs)" : ""
                let line =
                    "listening on http://\(host):\(port)/v1 · \(label) \(catalog.fleet.name) · traces \(store.name) · \(auth) · controller \(live.snapshot.version)\(learning)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            // Stopping: the runs the store could not take get a last chance to be written.
            await writeAbandonedRuns(of: store)
        }
    }
}
