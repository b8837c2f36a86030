import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate {
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Step through a stored run; re-run its plan on the recorded responses; ask what another controller would have chosen.",
            discussion: """
                Without options it prints the run step by step: what each agent was shown (with verdicts) and what \
                it said. --rerun executes the stored plan again with the recorded responses (no model is called) \
                under --verify and --aggregation, records the replay as a run of its own and lists what changed. \
                --controller FILE shows each decision the stored run made beside the other controller's choice; \
                with --over N it estimates that controller's utility on the newest N stored runs.
                """
        )

        @Argument(help: "The run id, or its first characters (at least 4).")
        var run: String

        @OptionGroup var common: CommonOptions

        @OptionGroup var embedding: EmbeddingOptions

        @Flag(name: .long, help: "Execute the stored plan again on the recorded responses.")
        var rerun = false

        @Option(name: .long, help: "With --rerun: the verification policy (default: the run's own).")
        var verify: VerificationPolicy?

        @Option(name: .long, help: "With --rerun: how the final answer is formed, final-agent or vote (default: the plan's).")
        var aggregation: Topology.Aggregation?

        @Option(name: .long, help: "With --rerun: when a cascade's next level runs, \(EscalationPolicy.Rule.syntax) (default: lambda:20).")
        var escalate: EscalationPolicy.Rule?

        @Option(
            name: .long,
            help: "With --rerun: the controller file whose escalation judge decides a cascade's escalations (default: the checks decide)."
        )
        var judge: String?

        @Option(name: .long, help: "A controller file to compare the stored decisions with.")
        var controller: String?

        @Option(name: .long, parsing: .upToNextOption, help: "The files of trained controllers that planned stored runs.")
        var behaviour: [String] = []

        @Option(name: .long, help: "With --controller: estimate over the newest N stored runs of the same catalogue too.")
        var over: Int?

        @Option(name: [.customLong("lambda")], help: "λ of utility = score − λ × cost, for the estimate.")
        var costWeight: Double = 20

        @Option(name: .long, help: "Show only this step.")
        var step: Int?

        func validate() throws {
            if verify != nil || aggregation != nil || escalate != nil || judge != nil, !rerun {
                throw ValidationError("--verify, --aggregation, --escalate and --judge change a re-run: add --rerun")
            }
            if over != nil, controller == nil { throw ValidationError("--over estimates a controller: add --controller FILE") }
            if let over, over < 1 { throw ValidationError("--over must be at least 1, got \(over)") }
        }

        func run() async throws {
            let logger = common.bootstrapLogging()
            // A re-run records a new run; showing one only reads.
            let store = try await openTraceStore(common.db, readOnly: !rerun)
            let trace = try await resolveTrace(run, in: store)
            let catalog = try catalogFor(trace)
            if !rerun && controller == nil {
                print(ReplaySteps(trace: trace, onlyStep: step).render())
                return
            }
            let embedder = try await embedding.embedder()
            let judging = try common.controllerParameters(path: judge, catalog: catalog, embedder: embedder)
            let orchestrator = try await Orchestrator(
                catalog: catalog,
                store: store,
                configuration: OrchestratorConfiguration(controllerParameters: judging),
                embedder: embedder,
                logger: logger
            )
            if rerun {
                let outcome: ReplayOutcome
                do {
                    outcome = try await orchestrator.replay(trace, verification: verify, aggregation: aggregation, escalation: escalate)
                } catch let error as ReplayError {
                    printError("error: \(error)")
                    throw ExitCode(2)
                }
                printRerun(outcome)
            }
            if let controller {
                if rerun { print("") }
                try await printCounterfactual(trace: trace, path: controller, orchestrator: orchestrator, store: store, embedder: embedder)
            }
        }

        /// The catalogue the run was planned with: the given fleet, else the workflows' fleet of the run's name.
        private func catalogFor(_ trace: RunTrace) throws -> Catalog {
            do {
                let loader = CatalogLoader(workflowsDirectory: common.workflows)
                let catalog = try common.loadCalibratedCatalog()
                if common.fleet != nil || catalog.fleet.name == trace.run.fleetName { return catalog }
                let folder = (common.workflows as NSString).appendingPathComponent("fleets")
                for file in (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted() ?? [] where file.hasSuffix(".json") {
                    let path = (folder as NSString).appendingPathComponent(file)
                    if let other = try? loader.load(fleetPath: path), other.fleet.name == trace.run.fleetName { return other }
                }
                throw CommandInputError(
                    "run \(trace.run.id) used fleet '\(trace.run.fleetName)', which no file in \(folder) names: pass it with --fleet"
                )
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }

        private func printRerun(_ outcome: ReplayOutcome) {
            let run = outcome.original.run
            let replay = outcome.replay
            let policy = replay.verification.policy.rawValue
            let aggregation = replay.plan?.aggregation.rawValue ?? "—"
            print(
                "replay of \(run.id) (\(run.topology ?? "—") · \(run.agentCount ?? 0) agents) · verify \(run.verificationPolicy) → \(policy) · aggregation \(aggregation)"
            )
            let recorded = outcome.original.messages.filter { $0.purpose != MessagePurpose.fault.rawValue }.count
            print("  recorded responses: \(recorded) · calls the run never made: \(outcome.misses.count) · no model called")
            for miss in outcome.misses { print("    missing: agent \(miss.agentIndex) at step \(miss.step) asked \(miss.model)") }
            print("  new run   \(replay.runID) (replayOf \(TraceIDs.short(run.id)))")
            if outcome.changes.isEmpty {
                print("  no change: the replay reproduces the stored run (answer \(replay.answer.map { oneLine($0, limit: 80) } ?? "—"))")
                return
            }
            print("  changes")
            printColumns([["    figure", "stored", "replay"]] + outcome.changes.map { ["    " + $0.field, $0.before, $0.after] })
        }

        private func printCounterfactual(
            trace: RunTrace,
            path: String,
            orchestrator: Orchestrator,
            store: TraceStore,
            embedder: any Embedder
        ) async throws {
            let catalog = orchestrator.catalog
            let target = try common.controllerParameters(path: path, catalog: catalog, embedder: embedder)
            var behaviours: [String: ControllerParameters] = [:]
            for file in behaviour {
                if let parameters = try common.controllerParameters(path: file, catalog: catalog, embedder: embedder) {
                    behaviours[parameters.version] = parameters
                }
            }
            guard let target, let stored = StoredPlan(trace: trace, catalog: catalog) else {
                printError("error: run \(trace.run.id) has no plan to compare")
                throw ExitCode(2)
            }
            let single = try await CounterfactualEstimate.estimate(
                [stored],
                target: target,
                controller: orchestrator.controller,
                behaviours: behaviours,
                costWeight: costWeight
            )
            guard single.runs == 1 else {
                printError("error: run \(trace.run.id) was planned by \(trace.run.controllerVersion): give its file with --behaviour")
                throw ExitCode(2)
            }
            print("what \(target.version) would have chosen for run \(TraceIDs.short(trace.run.id)) (planned by \(trace.run.controllerVersion)):")
            var table = [["  decision", "stored", "p logged", "p under target", "target's choice", "p"]]
            for change in single.decisions {
                table.append([
                    "  " + change.stage.rawValue + (change.position.map { " #\($0)" } ?? ""), change.chosen,
                    String(format: "%.3f", change.loggedProbability), String(format: "%.3f", change.targetProbability),
                    change.targetChoice == change.chosen ? "same" : change.targetChoice, String(format: "%.3f", change.targetChoiceProbability),
                ])
            }
            printColumns(table)
            guard let over else { return }
            let plans = try await store.storedPlans(limit: over).filter { $0.run.catalogHash == catalog.hash }
            let estimate = try await CounterfactualEstimate.estimate(
                plans,
                target: target,
                controller: orchestrator.controller,
                behaviours: behaviours,
                costWeight: costWeight
            )
            print("")
            print(
                "over the newest \(plans.count) stored runs of this catalogue (\(estimate.runs) used, \(estimate.skipped) skipped: controller not given):"
            )
            print(String(format: "  logged utility     %.4f", estimate.loggedUtility))
            print(
                String(
                    format: "  estimated utility  %.4f under %@ (self-normalised importance weights, clip %.0f)",
                    estimate.estimatedUtility,
                    target.version,
                    estimate.clip
                )
            )
            print(String(format: "  effective sample   %.1f of %d runs", estimate.effectiveSampleSize, estimate.runs))
            print(
                String(
                    format: "  agreement          %.1f%% of plans, %.1f%% of decisions",
                    estimate.planAgreement * 100,
                    estimate.decisionAgreement * 100
                )
            )
        }
    }
}

extension Topology.Aggregation: ExpressibleByArgument {}
