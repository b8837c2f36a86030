import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a task file (.json) or a batch of tasks (.jsonl, one a line).",
            discussion: """
                Every run is recorded in the trace database as it happens. When the database cannot record \
                (a full disk, a store that is down), no more runs of a batch are started (--keep-going to go on). \
                Exit status: 0 when every run completed or was stopped by its budget, 1 when a run failed or the \
                batch stopped, 2 when the input was invalid (nothing is run then).
                """
        )

        @Argument(help: "The task file: .json for one task, .jsonl for a batch.")
        var file: String

        @OptionGroup var common: CommonOptions

        @OptionGroup var overrides: TaskOverrides

        @OptionGroup var embedding: EmbeddingOptions

        @Option(name: .long, help: "A trained controller file (orchestrate train); default: the prior.")
        var controller: String?

        @Option(name: .long, help: "How messages between agents are checked: off, check, check+quarantine.")
        var verify: VerificationPolicy = .check

        @Option(
            name: .long,
            help: "When a cascade's next level runs: \(EscalationPolicy.Rule.syntax); the judge is the controller file's."
        )
        var escalate: EscalationPolicy.Rule = .costWeight(EscalationPolicy.defaultCostWeight)

        @Option(name: .long, help: "The base seed; each task's seed derives from it and the task's id.")
        var seed: UInt64 = 0

        @Flag(name: .long, help: "Sample the controller's choices instead of taking the most probable (exploration).")
        var explore = false

        @Option(name: .long, help: "The controller's softmax temperature.")
        var temperature: Double = 1.0

        @Option(name: .long, help: "How many tasks of a batch run at once.")
        var parallel: Int = 4

        @Flag(name: .long, help: "Print one JSON object per task instead of the readable report.")
        var json = false

        @Flag(name: .long, help: "Go on starting runs when the trace database cannot record them (each is a failed run).")
        var keepGoing = false

        func validate() throws {
            guard temperature > 0, temperature.isFinite else {
                throw ValidationError("--temperature must be a positive number, got \(temperature)")
            }
            guard (1...64).contains(parallel) else {
                throw ValidationError("--parallel must be from 1 to 64, got \(parallel)")
            }
        }

        @Option(name: .long, help: otlpEndpointHelp)
        var otlpEndpoint: String?

        func run() async throws {
            let logger = common.bootstrapLogging()
            let inputs = try common.loadInputs(file: file, overrides: overrides)
            let embedder = try await embedding.embedder()
            let parameters = try common.controllerParameters(path: controller, catalog: inputs.catalog, embedder: embedder)
            let (catalog, tasks) = (inputs.catalog, inputs.tasks)
            let configuration = OrchestratorConfiguration(
                workflowsDirectory: common.workflows,
                fleetPath: common.fleet,
                databasePath: common.db,
                controller: ControllerSettings(selection: explore ? .sample : .greedy, temperature: temperature),
                verification: verify,
                controllerParameters: parameters,
                escalation: escalate,
                otlpExporter: try otlpExporter(otlpEndpoint, logger: logger)
            )
            let store = try await openTraceStore(common.db, creating: true, logger: logger)
            let orchestrator = try await Orchestrator(
                catalog: catalog,
                store: store,
                configuration: configuration,
                providers: inputs.providers,
                embedder: embedder,
                logger: logger
            )
            let report = RunReport(json: json, database: store.name, fleet: catalog.fleet)
            if !json { report.printHeader(taskCount: tasks.count) }

            let clock = ContinuousClock()
            let start = clock.now
            let results: [RunResult]
            do {
                results = try await orchestrator.runBatch(tasks, seed: seed, parallel: parallel, keepGoing: keepGoing) { result in
                    report.print(result)
                }
            } catch let stopped as BatchStopped {
                if !json && tasks.count > 1 {
                    report.printSummary(BatchSummary(results: stopped.results), wallSeconds: (clock.now - start).seconds)
                }
                printError("error: \(stopped)")
                await writeAbandonedRuns(of: store)
                throw ExitCode(1)
            }
            await orchestrator.flushExports()
            if !json && tasks.count > 1 {
                report.printSummary(BatchSummary(results: results), wallSeconds: (clock.now - start).seconds)
            }
            await writeAbandonedRuns(of: store)
            if results.contains(where: { $0.status == .failed }) {
                throw ExitCode(1)
            }
        }
    }
}
