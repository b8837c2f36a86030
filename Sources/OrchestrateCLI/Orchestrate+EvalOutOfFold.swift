import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Eval {
    /// Evaluates every task out-of-fold: for each seed the tasks fall into `folds` folds; each fold is judged by the
    /// controller (the --controller file, or the prior's zero parameters) with the parts `--fit` names fitted on the
    /// labelled answers to the other folds' tasks. Prints each strategy's mean and range over the seeds and the controller's paired
    /// differences with bootstrap intervals.
    func runOutOfFold(folds: Int, seeds: [UInt64]) async throws {
        let logger = common.bootstrapLogging()
        let inputs = try common.loadInputs(file: file, overrides: overrides)
        let embedder = try await embedding.embedder()
        let parts = try FittedParts(parsing: fit)
        let orchestrator = try await orchestrator(inputs: inputs, embedder: embedder, logger: logger)
        let base =
            try common.controllerParameters(path: controller, catalog: inputs.catalog, embedder: embedder) ?? orchestrator.controller.zeroParameters
        let fleet = inputs.catalog.fleet
        // Fitted only on the task set's own tasks, as k-fold cross-validation does.
        let taskIDs = Set(inputs.tasks.map { $0.id.split(separator: "#").first.map(String.init) ?? $0.id })
        let (all, source) = try await common.labelledAnswers(fleet: fleet, taskFile: file)
        let answers = all.filter { taskIDs.contains($0) }
        let recordings = try parts.contains(.plans) ? recordedOutcomes(fleet: fleet) : nil
        var reports: [[ControllerEvaluation.Report]] = []
        for repeatSeed in seeds {
            var seedReports: [ControllerEvaluation.Report] = []
            for fold in 0..<folds {
                let isHeld = { (id: String) in TaskSplit.fold(id: id, folds: folds, seed: repeatSeed) == fold }
                let tasks = inputs.tasks.filter { isHeld($0.id) }
                guard !tasks.isEmpty else { continue }
                let training = answers.filter { !isHeld($0) }
                var parameters = base
                if parts.contains(.outcomes) {
                    guard let model = training.outcomeModel(fleet: fleet) else {
                        printError("error: \(source): no scored outcomes of the fleet's models outside fold \(fold) to fit the outcome model on")
                        throw ExitCode(2)
                    }
                    parameters = parameters.with(outcomeModel: model)
                }
                if parts.contains(.judge) {
                    guard let judge = training.judge(fleet: fleet) else {
                        printError("error: \(source): no scored responses outside fold \(fold) to fit the escalation judge on")
                        throw ExitCode(2)
                    }
                    parameters = parameters.with(escalationJudge: judge)
                }
                if let recordings {
                    // Every independent plan valued on the other folds' tasks only.
                    let trainer = PolicyTrainer(orchestrator: orchestrator, options: PolicyTrainer.Options(costWeight: costWeight))
                    let training = inputs.tasks.filter { !isHeld($0.id) }
                    let fitted = await trainer.trainWithFullInformation(
                        training,
                        outcomes: recordings,
                        judge: parameters.escalationJudge,
                        outcomeModel: parameters.outcomeModel
                    )
                    parameters = fitted.parameters
                }
                seedReports.append(
                    try await ControllerEvaluation(orchestrator: orchestrator, costWeight: costWeight, seed: seed, parallel: parallel)
                        .evaluate(tasks, parameters: parameters)
                )
            }
            reports.append(seedReports)
        }
        let summary = OutOfFoldEvaluation(folds: folds, seeds: seeds, reports: reports, bootstrapSamples: bootstrap)
        if let chart {
            try FrontierChart(outOfFold: summary).svg().write(toFile: chart, atomically: true, encoding: .utf8)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        let fitted = [
            parts.contains(.outcomes) ? "outcome model" : nil, parts.contains(.judge) ? "escalation judge" : nil,
            parts.contains(.plans) ? "plan table" : nil,
        ].compactMap { $0 }
        print(
            "out-of-fold evaluation on all \(summary.tasks) tasks of \(file): \(folds) folds × seeds \(seeds.map(String.init).joined(separator: ", ")), "
                + "the \(fitted.joined(separator: " and ")) fitted on the other folds (\(source)) · fleet \(fleet.name) · utility = score − \(costWeight) × cost"
        )
        printSpreads(summary.strategies.map { ($0.name, $0.utility, $0.accuracy, $0.meanCostUSD) })
        for difference in summary.differences {
            print(
                String(
                    format: "controller − %@: %+.4f, 95%% bootstrap interval %+.4f to %+.4f · by seed %@",
                    difference.against,
                    difference.mean,
                    difference.interval[0],
                    difference.interval[1],
                    difference.bySeed.map { String(format: "%+.4f", $0) }.joined(separator: ", ")
                )
            )
        }
        if let apgr = summary.strategies.first(where: { $0.name == "controller" })?.apgr {
            print(String(format: "controller APGR out-of-fold %.3f (%.3f–%.3f over seeds)", apgr.mean, apgr.min, apgr.max))
        }
    }

    /// The recorded outcomes the plan table is valued on; an error unless the fleet answers from recordings.
    private func recordedOutcomes(fleet: Fleet) throws -> RecordedOutcomes {
        guard fleet.answersFromRecordings, let path = common.recordingsPath(taskFile: file) else {
            printError("error: --fit plans values plans on recorded outcomes: use a recorded fleet (--fleet) and its recordings (--recordings)")
            throw ExitCode(2)
        }
        do {
            return try LoadedRecordings.outcomes(at: path)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// Each strategy's utility, accuracy and mean cost as mean (range) over splits or seeds.
    func printSpreads(
        _ strategies: [(
            name: String, utility: EvaluationAcrossSplits.Spread, accuracy: EvaluationAcrossSplits.Spread?, cost: EvaluationAcrossSplits.Spread
        )]
    ) {
        func spread(_ value: EvaluationAcrossSplits.Spread, _ format: String, scale: Double = 1) -> String {
            String(format: "\(format) (\(format)–\(format))", value.mean * scale, value.min * scale, value.max * scale)
        }
        var rows = [["strategy", "utility mean (range)", "accuracy", "mean cost USD"]]
        for strategy in strategies {
            rows.append([
                strategy.name,
                spread(strategy.utility, "%.4f"),
                strategy.accuracy.map { spread($0, "%.1f%%", scale: 100) } ?? "—",
                spread(strategy.cost, "%.6f"),
            ])
        }
        printColumns(rows)
    }
}
