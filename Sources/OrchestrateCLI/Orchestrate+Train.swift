import ArgumentParser
import Foundation
import Orchestrator

extension Orchestrate {
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the controller on a task set, on-policy: run, score, update, repeat.",
            discussion: """
                REINFORCE with a moving-average baseline and Adam, on utility = score − λ × cost (US dollars). Every \
                training run is recorded in the trace database. The result is a controller file (parameters, the \
                hash of the catalogue it was trained on, a summary of its training); `orchestrate run --controller \
                FILE` plans with it and records its version on every run.
                """
        )

        @Argument(help: "The task set (.jsonl); tasks need expected answers to be scored.")
        var file: String

        @OptionGroup var common: CommonOptions

        @Option(name: .long, help: "Passes over the task set.")
        var epochs: Int = 3

        @Option(name: .long, help: "Runs per update.")
        var batchSize: Int = 16

        @Option(name: .long, help: "Adam's learning rate.")
        var learningRate: Double = 0.05

        @Option(name: [.customLong("lambda")], help: "λ, the utility lost per US dollar.")
        var costWeight: Double = 20

        @Option(name: .long, help: "The seed of the task order and of every sampled plan.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "How many runs are in flight at once.")
        var parallel: Int = 4

        @Option(name: .long, help: "Where to write the controller file.")
        var output: String = "Controllers/controller.json"

        @Option(name: .long, help: "How messages between agents are checked while training.")
        var verify: VerificationPolicy = .check

        func validate() throws {
            guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be from 1 to 1000, got \(epochs)") }
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000, got \(batchSize)") }
            guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
            guard costWeight >= 0, costWeight.isFinite else { throw ValidationError("--lambda must be 0 or more, got \(costWeight)") }
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be from 1 to 64, got \(parallel)") }
        }

        func run() async throws {
            let logger = common.bootstrapLogging()
            let inputs = try common.loadInputs(file: file, overrides: TaskOverrides.parse([]))
            let orchestrator = try await Orchestrator(
                catalog: inputs.catalog,
                store: try TraceStore.open(path: common.db, logger: logger),
                configuration: OrchestratorConfiguration(
                    workflowsDirectory: common.workflows,
                    fleetPath: common.fleet,
                    databasePath: common.db,
                    verification: verify
                ),
                providers: inputs.providers,
                logger: logger
            )
            let options = PolicyTrainer.Options(
                epochs: epochs,
                batchSize: batchSize,
                learningRate: learningRate,
                costWeight: costWeight,
                seed: seed,
                parallel: parallel
            )
            let label = inputs.catalog.fleet.isSimulated ? "SIMULATED fleet" : "fleet"
            print(
                "training on \(inputs.tasks.count) tasks of \(file) · \(label) \(inputs.catalog.fleet.name) · \(epochs) epochs × batches of \(batchSize) · λ \(costWeight) · lr \(learningRate) · seed \(seed)"
            )
            let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) == 1)
            let parameters = try await PolicyTrainer(orchestrator: orchestrator, options: options).trainOnPolicy(inputs.tasks, taskSet: file) {
                step in
                bar.show(step)
            }
            bar.finish()
            do {
                try parameters.save(path: output)
            } catch {
                printError("error: \(output): cannot write the controller file (\(error))")
                throw ExitCode(1)
            }
            let summary = parameters.training
            print(
                String(
                    format: "utility %.4f (first epoch) → %.4f (last epoch) · %d runs",
                    summary?.firstEpochUtility ?? 0,
                    summary?.lastEpochUtility ?? 0,
                    summary?.runs ?? 0
                )
            )
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

    func finish() {}
}
