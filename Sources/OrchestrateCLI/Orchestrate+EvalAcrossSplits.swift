import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Eval {
    /// The orchestrator evaluations run with: the inputs' catalogue and providers, the trace database.
    func orchestrator(inputs: RunInputs, embedder: any Embedder, logger: Logger) async throws -> Orchestrator {
        try await Orchestrator(
            catalog: inputs.catalog,
            store: try await openTraceStore(common.db, creating: true, logger: logger),
            configuration: OrchestratorConfiguration(workflowsDirectory: common.workflows, fleetPath: common.fleet, databasePath: common.db),
            providers: inputs.providers,
            embedder: embedder,
            logger: logger
        )
    }

    /// Evaluates on the held-out tasks of each split (the controller file of each split where the path holds
    /// `{seed}`) and prints each strategy's mean and range, and the paired differences split by split.
    func runAcrossSplits(seeds: [UInt64]) async throws {
        let logger = common.bootstrapLogging()
        let inputs = try common.loadInputs(file: file, overrides: overrides)
        let embedder = try await embedding.embedder()
        let orchestrator = try await orchestrator(inputs: inputs, embedder: embedder, logger: logger)
        var reports: [ControllerEvaluation.Report] = []
        for split in seeds {
            let path = controller?.replacingOccurrences(of: "{seed}", with: String(split))
            let parameters = try common.controllerParameters(path: path, catalog: inputs.catalog, embedder: embedder)
            let tasks = TaskSplit.split(inputs.tasks, testFraction: holdout, seed: split).test
            reports.append(
                try await ControllerEvaluation(orchestrator: orchestrator, costWeight: costWeight, seed: seed, parallel: parallel)
                    .evaluate(tasks, parameters: parameters)
            )
        }
        let summary = EvaluationAcrossSplits(seeds: seeds, reports: reports)
        if let chart {
            try FrontierChart(reports: reports).svg().write(toFile: chart, atomically: true, encoding: .utf8)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        let seedList = seeds.map(String.init).joined(separator: ", ")
        print(
            "evaluation on the held-out \(Int(holdout * 100))% of \(inputs.tasks.count) tasks for split seeds \(seedList) · fleet \(inputs.catalog.fleet.name) · utility = score − \(costWeight) × cost"
        )
        printSpreads(summary.strategies.map { ($0.name, $0.utility, $0.accuracy, $0.meanCostUSD) })
        func paired(_ label: String, _ values: [Double]) {
            guard !values.isEmpty else { return }
            let text = values.map { String(format: "%+.4f", $0) }.joined(separator: ", ")
            let above = values.filter { $0 > 0 }.count
            print(
                "\(label): \(text) (above on \(above) of \(values.count) splits; mean \(String(format: "%+.4f", values.reduce(0, +) / Double(values.count))))"
            )
        }
        paired("controller − prior, by split", summary.controllerOverPrior)
        paired("controller − best single model, by split", summary.controllerOverBestSingle)
        if let apgr = summary.strategies.first(where: { $0.name == "controller" })?.apgr {
            print(String(format: "controller APGR %.3f (%.3f–%.3f)", apgr.mean, apgr.min, apgr.max))
        }
    }
}
