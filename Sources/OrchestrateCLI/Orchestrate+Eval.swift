import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate {
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Judge a controller on a task set against each model alone, random plans, the prior and the oracle.",
            discussion: """
                With --holdout F only the tasks the split of that fraction and --split-seed holds out are used: train \
                with the same two options so no test task is trained on. For a fleet of two models the report adds \
                RouteLLM's cost–quality curve and APGR (0.5 is random routing). Every run is recorded.
                """
        )

        @Argument(help: "The task set (.jsonl).")
        var file: String

        @Option(
            name: .long,
            help: "The controller file to judge (default: only the baselines); with --split-seeds, {seed} in the path stands for each split's seed."
        )
        var controller: String?

        @OptionGroup var common: CommonOptions

        @OptionGroup var overrides: TaskOverrides

        @OptionGroup var embedding: EmbeddingOptions

        @Option(name: .long, help: "Evaluate only the held-out fraction of the task set (0 to 1).")
        var holdout: Double = 0

        @Option(name: .long, help: "The seed of the train/test split.")
        var splitSeed: UInt64 = 0

        @Option(
            name: .long,
            help: "Evaluate on the held-out tasks of each of these splits (comma-separated seeds) and report mean, range and paired differences."
        )
        var splitSeeds: String?

        @Option(
            name: .long,
            help:
                "Evaluate out-of-fold over all tasks in this many folds: each fold judged by the controller with the parts --fit names fitted on the other folds."
        )
        var folds: Int?

        @Option(name: .long, help: "With --folds: the repeat seeds of the fold assignment, comma-separated.")
        var foldSeeds: String = "0,1,2"

        @Option(
            name: .long,
            help:
                "With --folds: what to fit on the other folds, comma-separated: outcomes (the outcome model), judge (the escalation judge). From --recordings, else the scored runs of --db."
        )
        var fit: String = "outcomes,judge"

        @Option(name: .long, help: "With --folds: bootstrap resamples of the tasks for the paired intervals.")
        var bootstrap: Int = 1000

        @Option(name: .long, help: "Also draw the strategies' cost–accuracy frontier (and the two-model curve) as an SVG file.")
        var chart: String?

        @Option(name: [.customLong("lambda")], help: "λ, the utility lost per US dollar.")
        var costWeight: Double = 20

        @Option(name: .long, help: "The base seed of the runs.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "How many runs are in flight at once.")
        var parallel: Int = 8

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            guard (0..<1).contains(holdout) else { throw ValidationError("--holdout must be from 0 to below 1, got \(holdout)") }
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be from 1 to 64, got \(parallel)") }
            if splitSeeds != nil, holdout == 0 { throw ValidationError("--split-seeds evaluates held-out tasks: give --holdout too") }
            if let folds {
                guard (2...20).contains(folds) else { throw ValidationError("--folds must be from 2 to 20, got \(folds)") }
                guard holdout == 0, splitSeeds == nil else {
                    throw ValidationError("--folds evaluates every task: leave out --holdout and --split-seeds")
                }
                guard (1...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be from 1 to 100000, got \(bootstrap)") }
                _ = try FittedParts(parsing: fit)
            }
        }

        func run() async throws {
            if let splitSeeds {
                try await runAcrossSplits(seeds: try CommaSeparated.seeds(splitSeeds, option: "--split-seeds"))
                return
            }
            if let folds {
                try await runOutOfFold(folds: folds, seeds: try CommaSeparated.seeds(foldSeeds, option: "--fold-seeds"))
                return
            }
            let logger = common.bootstrapLogging()
            let inputs = try common.loadInputs(file: file, overrides: overrides)
            let embedder = try await embedding.embedder()
            let parameters = try common.controllerParameters(path: controller, catalog: inputs.catalog, embedder: embedder)
            let tasks = holdout > 0 ? TaskSplit.split(inputs.tasks, testFraction: holdout, seed: splitSeed).test : inputs.tasks
            guard !tasks.isEmpty else {
                printError("error: \(file): the holdout of \(holdout) keeps no task; use a larger --holdout")
                throw ExitCode(2)
            }
            let orchestrator = try await orchestrator(inputs: inputs, embedder: embedder, logger: logger)
            let report = try await ControllerEvaluation(orchestrator: orchestrator, costWeight: costWeight, seed: seed, parallel: parallel)
                .evaluate(tasks, parameters: parameters)
            if let chart {
                try FrontierChart(reports: [report]).svg().write(toFile: chart, atomically: true, encoding: .utf8)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            let scope = holdout > 0 ? "held-out \(tasks.count) of \(inputs.tasks.count) tasks (split seed \(splitSeed))" : "all \(tasks.count) tasks"
            print("evaluation on \(scope) of \(file) · fleet \(inputs.catalog.fleet.name) · utility = score − \(costWeight) × cost")
            let width = max(8, report.rows.map(\.name.count).max() ?? 0)
            print("strategy".padding(toLength: width, withPad: " ", startingAt: 0) + "  accuracy  mean cost USD  utility")
            for row in report.rows {
                let accuracy = row.accuracy.map { String(format: "%7.1f%%", $0 * 100) } ?? "      —"
                print(
                    row.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(accuracy)  "
                        + String(format: "%13.6f  %7.4f", row.meanCostUSD, row.utility)
                )
            }
            if let gain = report.multiAgent {
                print(
                    String(
                        format:
                            "multi-agent plans on %d of %d tasks: there accuracy %.1f%% vs %.1f%% for the single-agent plan, mean cost $%.6f vs $%.6f, utility %+.4f a task (%+.4f over all tasks)",
                        gain.tasks,
                        gain.of,
                        gain.accuracy * 100,
                        gain.singleAgentAccuracy * 100,
                        gain.meanCostUSD,
                        gain.singleAgentMeanCostUSD,
                        gain.utility - gain.singleAgentUtility,
                        (gain.utility - gain.singleAgentUtility) * Double(gain.tasks) / Double(max(1, gain.of))
                    )
                )
            }
            for row in report.rows.filter({ !$0.name.hasSuffix(ControllerEvaluation.Row.singleAgentSuffix) }).prefix(parameters == nil ? 1 : 2) {
                print("choices of \(row.name), by domain:")
                for (domain, stages) in row.choiceSharesByDomain.sorted(by: { $0.key < $1.key }) {
                    for stage in Decision.Stage.allCases.map(\.rawValue) {
                        guard let shares = stages[stage] else { continue }
                        let top = shares.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(4)
                        print("  \(domain) \(stage): " + top.map { String(format: "%@ %.0f%%", $0.key, $0.value * 100) }.joined(separator: " · "))
                    }
                }
            }
            let byPrice = orchestrator.catalog.fleet.models.sorted { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
            if report.curve == nil, byPrice.count == 2,
                let cheaper = report.rows.first(where: { $0.name == "only \(byPrice[0].name)" })?.accuracy,
                let dearer = report.rows.first(where: { $0.name == "only \(byPrice[1].name)" })?.accuracy
            {
                print(
                    String(
                        format: "no APGR: the dearer model %@ (%.1f%%) is not the more accurate here (%@ %.1f%%), so there is no gap to recover",
                        byPrice[1].name,
                        dearer * 100,
                        byPrice[0].name,
                        cheaper * 100
                    )
                )
            }
            if let curve = report.curve {
                print(String(format: "APGR %.3f (0.5 is random routing) · weak %@, strong %@", curve.apgr, curve.weakModel, curve.strongModel))
                let steps = stride(from: 0.0, through: 1.0, by: 0.1).compactMap { share in
                    curve.points.min { abs($0.strongShare - share) < abs($1.strongShare - share) }
                }
                print("  strong calls  " + steps.map { String(format: "%5.0f%%", $0.strongShare * 100) }.joined(separator: " "))
                print("  accuracy      " + steps.map { String(format: "%5.1f%%", $0.accuracy * 100) }.joined(separator: " "))
            }
        }
    }
}
