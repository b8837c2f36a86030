import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate {
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the controller on a task set (on-policy: run, score, update, repeat) or from stored runs (--from-traces).",
            discussion: """
                REINFORCE with a baseline and Adam, on utility = score − λ × cost (US dollars). On-policy, every \
                training run is recorded in the trace database. Off-policy (--from-traces), nothing is run: the \
                stored runs are re-weighted by clipped importance weights from their logged probabilities. The result is a controller file (parameters, the \
                hash of the catalogue it was trained on, a summary of its training); `orchestrate run --controller \
                FILE` plans with it and records its version on every run.
                """
        )

        @Argument(help: "The task set (.jsonl) for on-policy training; tasks need expected answers to be scored.")
        var file: String?

        @Flag(name: .long, help: "Train off-policy from the runs in the trace database instead of running a task set.")
        var fromTraces = false

        @Flag(
            name: .long,
            help:
                "On a recorded fleet, sample and run plans on-policy (REINFORCE) as on any other fleet instead of valuing every independent plan with full information."
        )
        var onPolicy = false

        @Option(name: .long, help: "Hold this fraction of the task set out for `orchestrate eval --holdout` (0 to 1).")
        var holdout: Double = 0

        @Option(name: .long, help: "The seed of the train/test split.")
        var splitSeed: UInt64 = 0

        @Option(name: .long, help: "Off-policy: use at most this many of the newest stored runs.")
        var limit: Int?

        @Option(name: .long, help: "Off-policy: the controller file of runs not planned by the prior (repeatable).")
        var behaviour: [String] = []

        @Option(name: .long, help: "Off-policy: the largest importance weight.")
        var clip: Double = 5

        @OptionGroup var common: CommonOptions

        @OptionGroup var overrides: TaskOverrides

        @OptionGroup var embedding: EmbeddingOptions

        @Option(name: .long, help: "Passes over the task set.")
        var epochs: Int = 3

        @Option(name: .long, help: "Runs per update.")
        var batchSize: Int = 16

        @Option(name: .long, help: "Adam's learning rate.")
        var learningRate: Double = 0.05

        @Option(name: [.customLong("lambda")], help: "λ, the utility lost per US dollar.")
        var costWeight: Double = 20

        @Option(name: .long, help: "Decoupled weight decay (AdamW) pulling the learned scores towards the prior; 0 turns it off.")
        var weightDecay: Double = 0

        @Option(name: .long, help: "On-policy: the weight of an entropy bonus that keeps the policy exploring; 0 turns it off.")
        var entropy: Double = 0

        @Option(name: .long, help: "The seed of the task order and of every sampled plan.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "How many runs are in flight at once.")
        var parallel: Int = 4

        @Option(name: .long, help: "Where to write the controller file.")
        var output: String = "Controllers/controller.json"

        @Option(name: .long, help: "How messages between agents are checked while training.")
        var verify: VerificationPolicy = .check

        @Flag(
            name: .long,
            help:
                "Also fit the escalation judge into the controller file: from every model's responses in --recordings when given, else from the scored messages of the stored runs in --db (held-out tasks left out)."
        )
        var judge = false

        @Flag(
            name: .long,
            help:
                "Fit the outcome model (who will be right, from the query) first and train on top of it: from --recordings when given, else from the stored runs in --db (held-out tasks left out)."
        )
        var outcomes = false

        func validate() throws {
            guard (file == nil) == fromTraces else {
                throw ValidationError("give a task set to train on-policy, or --from-traces to train from stored runs (not both)")
            }
            guard (0..<1).contains(holdout) else { throw ValidationError("--holdout must be from 0 to below 1, got \(holdout)") }
            guard clip > 0, clip.isFinite else { throw ValidationError("--clip must be positive, got \(clip)") }
            guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be from 1 to 1000, got \(epochs)") }
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000, got \(batchSize)") }
            guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
            guard costWeight >= 0, costWeight.isFinite else { throw ValidationError("--lambda must be 0 or more, got \(costWeight)") }
            guard weightDecay >= 0, learningRate * weightDecay < 1 else {
                throw ValidationError("--weight-decay must be 0 or more and below 1 / --learning-rate, got \(weightDecay)")
            }
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be from 1 to 64, got \(parallel)") }
            guard entropy >= 0, entropy.isFinite else { throw ValidationError("--entropy must be 0 or more, got \(entropy)") }
            guard entropy == 0 || !fromTraces else { throw ValidationError("--entropy applies to on-policy training, not --from-traces") }
        }

        func run() async throws {
            let logger = common.bootstrapLogging()
            if fromTraces {
                try await trainFromTraces(logger: logger)
                return
            }
            let file = file ?? ""
            var inputs = try common.loadInputs(file: file, overrides: overrides)
            let everything = inputs.tasks.count
            if holdout > 0 {
                inputs.tasks = TaskSplit.split(inputs.tasks, testFraction: holdout, seed: splitSeed).train
                print("holding out \(everything - inputs.tasks.count) of \(everything) tasks for evaluation (split seed \(splitSeed))")
            }
            let embedder = try await embedding.embedder()
            let orchestrator = try await Orchestrator(
                catalog: inputs.catalog,
                store: try await openTraceStore(common.db, creating: true, logger: logger),
                configuration: OrchestratorConfiguration(
                    workflowsDirectory: common.workflows,
                    fleetPath: common.fleet,
                    databasePath: common.db,
                    verification: verify
                ),
                providers: inputs.providers,
                embedder: embedder,
                logger: logger
            )
            if !onPolicy, inputs.catalog.fleet.answersFromRecordings, let recordings = common.recordingsPath(taskFile: file) {
                try await trainWithFullInformation(orchestrator: orchestrator, tasks: inputs.tasks, recordings: recordings)
                return
            }
            let label = inputs.catalog.fleet.isSimulated ? "SIMULATED fleet" : "fleet"
            print(
                "training on \(inputs.tasks.count) tasks of \(file) · \(label) \(inputs.catalog.fleet.name) · \(epochs) epochs × batches of \(batchSize) · λ \(costWeight) · lr \(learningRate) · seed \(seed)"
            )
            let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) == 1)
            let answers = try await trainingAnswers(fleet: inputs.catalog.fleet)
            let outcomeModel = try answers.flatMap { try fitOutcomeModel($0, fleet: inputs.catalog.fleet) }
            let parameters = try await PolicyTrainer(orchestrator: orchestrator, options: options).trainOnPolicy(
                inputs.tasks,
                taskSet: file,
                outcomeModel: outcomeModel
            ) { step in bar.show(step) }
            try finish(parameters, fleet: inputs.catalog.fleet, answers: answers)
        }

        /// The labelled answers of the training tasks (held-out ones left out) — every model's recorded outcome, or
        /// the stored runs' scored answers — read once when `--outcomes` or `--judge` needs them, with their source.
        private func trainingAnswers(fleet: Fleet) async throws -> (answers: LabelledAnswers, source: String)? {
            guard outcomes || judge else { return nil }
            let (all, source) = try await common.labelledAnswers(fleet: fleet, taskFile: file)
            return (all.filter(isTrainingTask), source)
        }

        /// The outcome model (when `--outcomes`) fitted on the training answers; prints what each model was fitted on.
        private func fitOutcomeModel(_ training: (answers: LabelledAnswers, source: String), fleet: Fleet) throws -> OutcomeModel? {
            guard outcomes else { return nil }
            let (answers, source) = training
            guard let model = answers.outcomeModel(fleet: fleet) else {
                printError("error: \(source): no scored outcomes of the fleet's models to fit the outcome model on")
                throw ExitCode(2)
            }
            for (name, count) in model.examples.sorted(by: { $0.key < $1.key }) {
                print("outcome model for \(name): \(count) outcomes of \(source), \(model.features.vocabulary.count) query terms")
            }
            return model
        }

        /// Whether a task is trained on: not held out by the split.
        private func isTrainingTask(_ id: String) -> Bool {
            !TaskSplit.isHeldOut(id: id, fraction: holdout, seed: splitSeed)
        }

        /// The escalation judge fitted on the training answers' responses; prints what each model's judge was fitted on.
        private func fitJudge(_ training: (answers: LabelledAnswers, source: String), fleet: Fleet) throws -> EscalationJudge {
            let (answers, source) = training
            guard let fitted = answers.judge(fleet: fleet) else {
                printError("error: \(source): no scored responses to fit the escalation judge on")
                throw ExitCode(2)
            }
            let examples = answers.responses
            let nextLevels = EscalationJudge.nextLevels(in: fleet)
            for (model, fit) in fitted.fits.sorted(by: { $0.key < $1.key }) {
                let chosen = examples.filter { $0.model == model }
                let auc = areaUnderROC(
                    scores: chosen.map { fit.probabilityWrong($0.features, response: $0.response) },
                    positives: chosen.map(\.wrong)
                )
                let gain = fit.gain == nil ? "" : ", with gain models for escalating to \(nextLevels[model] ?? "?")"
                print(
                    String(
                        format: "escalation judge for %@: %d answers of %@, %.1f%% wrong, ROC area %.3f on them%@",
                        model,
                        fit.examples,
                        source,
                        fit.wrongShare * 100,
                        auc,
                        gain
                    )
                )
            }
            return fitted
        }

        /// On a recorded fleet: every independent plan valued on the training tasks with full information; no run is made.
        private func trainWithFullInformation(orchestrator: Orchestrator, tasks: [OrchestrationTask], recordings: String) async throws {
            let clock = ContinuousClock()
            let start = clock.now
            let fleet = orchestrator.catalog.fleet
            print(
                "training with full information on \(tasks.count) tasks of \(file ?? "") · recorded fleet \(fleet.name) (\(fleet.models.count) models) · λ \(costWeight): every plan whose agents answer independently played on the recordings, no run made"
            )
            let outcomes = try LoadedRecordings.outcomes(at: recordings)
            let answers = try await trainingAnswers(fleet: fleet)
            let judgeFit = try answers.flatMap { judge ? try fitJudge($0, fleet: fleet) : nil }
            let outcomeModel = try answers.flatMap { try fitOutcomeModel($0, fleet: fleet) }
            let trainer = PolicyTrainer(orchestrator: orchestrator, options: options)
            let (parameters, candidates, valued) = await trainer.trainWithFullInformation(
                tasks,
                outcomes: outcomes,
                taskSet: file,
                judge: judgeFit,
                outcomeModel: outcomeModel
            )
            print(String(format: "%d plans valued on %d tasks in %.1f s", candidates, valued, (clock.now - start).seconds))
            if let table = parameters.plans { printPlans(table) }
            try finish(parameters, fleet: fleet, answers: nil)
        }

        /// Per domain, the plan the controller will choose, every stage's choice, and what it adds over the best
        /// single-agent plan on the training tasks.
        private func printPlans(_ table: PlanTable) {
            for domain in table.domains.keys.sorted() where domain != PlanTable.anyDomain {
                guard let best = table.domains[domain]?.first else { continue }
                let single = Domain(rawValue: domain).flatMap(table.bestSingleAgent)
                print("\(domain) (\(table.tasks[domain] ?? 0) tasks): \(Self.describe(best))")
                print(
                    "  stages: topology \(best.topology) · agents \(best.models.count) · models \(best.models.joined(separator: ", ")) · roles at the prior (no role changes a recorded answer)"
                )
                if let single, single != best {
                    print(
                        "  best single agent: \(Self.describe(single)); the plan adds \(String(format: "%+.4f", best.utility - single.utility)) utility"
                    )
                }
            }
        }

        static func describe(_ entry: PlanTable.Entry) -> String {
            String(
                format: "%@ %@ · accuracy %.1f%% · mean cost $%.6f · utility %.4f",
                entry.topology,
                entry.models.joined(separator: " + "),
                entry.accuracy * 100,
                entry.meanCostUSD,
                entry.utility
            )
        }

        private var options: PolicyTrainer.Options {
            PolicyTrainer.Options(
                epochs: epochs,
                batchSize: batchSize,
                learningRate: learningRate,
                costWeight: costWeight,
                weightDecay: weightDecay,
                seed: seed,
                parallel: parallel,
                entropyBonus: entropy
            )
        }

        private func trainFromTraces(logger: Logger) async throws {
            let embedder = try await embedding.embedder()
            let catalog: Catalog
            var behaviours: [String: ControllerParameters] = [:]
            do {
                catalog = try common.loadCalibratedCatalog()
                for path in behaviour {
                    let parameters = try ControllerParameters.load(path: path, catalog: catalog, embedder: embedder)
                    behaviours[parameters.version] = parameters
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let store = try await openTraceStore(common.db, logger: logger)
            let clock = ContinuousClock()
            let start = clock.now
            let catalogHash = catalog.hash
            let plans = try await store.storedPlans(limit: limit).filter {
                $0.run.catalogHash == catalogHash && !TaskSplit.isHeldOut($0.task, fraction: holdout, seed: splitSeed)
            }
            let loaded = (clock.now - start).seconds
            guard !plans.isEmpty else {
                printError("error: \(store.name): no finished runs planned with this catalogue (\(catalog.hash.prefix(12)))")
                throw ExitCode(2)
            }
            let orchestrator = try await Orchestrator(catalog: catalog, store: store, embedder: embedder, logger: logger)
            print(
                "training off-policy on \(plans.count) stored runs of \(store.name) (read in \(String(format: "%.2f", loaded)) s) · \(epochs) epochs × batches of \(batchSize) · λ \(costWeight) · clip \(clip)"
            )
            let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) == 1)
            let answers = try await trainingAnswers(fleet: catalog.fleet)
            let outcomeModel = try answers.flatMap { try fitOutcomeModel($0, fleet: catalog.fleet) }
            let trainingStart = clock.now
            let (parameters, data) = try await PolicyTrainer(orchestrator: orchestrator, options: options).trainOffPolicy(
                plans,
                behaviours: behaviours,
                clip: clip,
                outcomeModel: outcomeModel
            ) { step in bar.show(step) }
            print(
                "used \(data.used) runs, skipped \(data.skippedUnknownController) planned by controllers not given with --behaviour · \(String(format: "%.2f", (clock.now - trainingStart).seconds)) s"
            )
            try finish(parameters, fleet: catalog.fleet, answers: answers)
        }

        /// Adds the escalation judge when asked, writes the controller file and says what was written.
        private func finish(_ trained: ControllerParameters, fleet: Fleet, answers: (answers: LabelledAnswers, source: String)?) throws {
            var parameters = trained
            if judge, let answers {
                parameters = parameters.with(escalationJudge: try fitJudge(answers, fleet: fleet))
            }
            do {
                try parameters.save(path: output)
            } catch {
                printError("error: \(output): cannot write the controller file (\(error))")
                throw ExitCode(1)
            }
            let summary = parameters.training
            let estimate = summary?.mode == "off-policy" ? "importance-weighted estimate, " : ""
            if summary?.mode == "full-information" {
                print(
                    String(format: "utility of each domain's best plan on the training tasks %.4f (weighed by tasks)", summary?.lastEpochUtility ?? 0)
                )
            } else {
                print(
                    String(
                        format: "utility %.4f (first epoch) → %.4f (last epoch) · %@%d runs",
                        summary?.firstEpochUtility ?? 0,
                        summary?.lastEpochUtility ?? 0,
                        estimate,
                        summary?.runs ?? 0
                    )
                )
            }
            print("controller \(parameters.version) → \(output) (catalogue \(parameters.catalogHash.prefix(12)))")
        }
    }
}

/// A one-line progress bar with the running utility; on a terminal it redraws in place, otherwise it prints a
/// line per epoch.
final class ProgressBar: Sendable {
    let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ step: PolicyTrainer.Progress) {
        let accuracy = step.epochAccuracy.map { String(format: " · accuracy %.1f%%", $0 * 100) } ?? ""
        let text = String(
            format: "epoch %d  batch %d/%d  utility %.4f (batch %.4f)%@",
            step.epoch,
            step.batch,
            step.batchesPerEpoch,
            step.epochUtility,
            step.batchUtility,
            accuracy
        )
        if enabled {
            let filled = step.batch * 20 / max(1, step.batchesPerEpoch)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 20 - filled)
            FileHandle.standardOutput.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
            if step.batch == step.batchesPerEpoch { FileHandle.standardOutput.write(Data("\n".utf8)) }
        } else if step.batch == step.batchesPerEpoch {
            print(text)
        }
    }

}
