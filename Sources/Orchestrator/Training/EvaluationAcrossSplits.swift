import Foundation

/// Evaluations of the same strategies on the held-out tasks of several splits, summarised: each figure's mean and
/// range over the splits, and the paired differences that decide a comparison (the trained controller against the
/// prior and against the best single model, split by split). A single 400-task split decides nothing: two splits
/// differ by about 0.05 APGR.
public struct EvaluationAcrossSplits: Sendable, Codable, Equatable {
    /// A figure's mean and range over the splits.
    public struct Spread: Sendable, Codable, Equatable {
        public var mean: Double
        public var min: Double
        public var max: Double

        init(_ values: [Double]) {
            mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            min = values.min() ?? 0
            max = values.max() ?? 0
        }
    }

    /// One strategy over the splits (every trained controller is named `controller`).
    public struct Strategy: Sendable, Codable, Equatable {
        public var name: String
        public var utility: Spread
        public var accuracy: Spread?
        public var meanCostUSD: Spread
        public var apgr: Spread?
    }

    public var seeds: [UInt64]
    public var strategies: [Strategy]
    /// Per split: the controller's utility minus the prior's; empty without a controller.
    public var controllerOverPrior: [Double]
    /// Per split: the controller's utility minus the best single model's on that split.
    public var controllerOverBestSingle: [Double]

    public init(seeds: [UInt64], reports: [ControllerEvaluation.Report]) {
        self.seeds = seeds
        let names = reports.first?.rows.map(\.strategy) ?? []
        strategies = names.map { strategy in
            let rows = reports.compactMap { report in report.rows.first { $0.strategy == strategy } }
            let accuracies = rows.compactMap(\.accuracy)
            // A report's curve ranks by the evaluated controller: its APGR belongs to the controller row alone.
            let apgrs = strategy == "controller" ? reports.compactMap(\.curve?.apgr) : []
            return Strategy(
                name: strategy,
                utility: Spread(rows.map(\.utility)),
                accuracy: accuracies.count == rows.count && !rows.isEmpty ? Spread(accuracies) : nil,
                meanCostUSD: Spread(rows.map(\.meanCostUSD)),
                apgr: apgrs.count == reports.count && !apgrs.isEmpty ? Spread(apgrs) : nil
            )
        }
        func utility(_ report: ControllerEvaluation.Report, _ strategy: String) -> Double? {
            report.rows.first { $0.strategy == strategy }?.utility
        }
        controllerOverPrior = reports.compactMap { report in
            guard let trained = utility(report, "controller"), let prior = utility(report, "prior") else { return nil }
            return trained - prior
        }
        controllerOverBestSingle = reports.compactMap { report in
            guard let trained = utility(report, "controller"),
                let best = report.rows.filter({ $0.name.hasPrefix("only ") }).map(\.utility).max()
            else { return nil }
            return trained - best
        }
    }
}
