import Foundation

/// A controller judged out-of-fold over a whole task set: for each repeat seed the tasks fall into k folds, each
/// fold is evaluated (`ControllerEvaluation`) by a controller whose supervised parts were fitted on the other folds,
/// and the folds' per-task results are joined, so every task is scored by a controller that never saw it. Each
/// strategy's figures are given as mean and range over the seeds, and the controller's paired differences with the
/// prior and with the best single model come with a bootstrap interval over tasks.
public struct OutOfFoldEvaluation: Sendable, Codable, Equatable {
    public typealias Spread = EvaluationAcrossSplits.Spread

    /// One strategy over the seeds (the evaluated controller is named `controller`); its APGR is the out-of-fold
    /// APGR over all tasks (the controller's ranking; a two-model fleet whose dearer model leads).
    public typealias Strategy = EvaluationAcrossSplits.Strategy

    /// The controller's utility minus another strategy's, per task averaged over the seeds.
    public struct Difference: Sendable, Codable, Equatable {
        public var against: String
        public var mean: Double
        /// The 2.5% and 97.5% quantiles of the mean over tasks drawn with replacement.
        public var interval: [Double]
        public var bySeed: [Double]
    }

    public var folds: Int
    public var seeds: [UInt64]
    public var tasks: Int
    public var costWeight: Double
    public var strategies: [Strategy]
    /// Against the prior, the best single model (by mean utility) and, when evaluated, the controller's own single-agent
    /// plans; empty without a controller.
    public var differences: [Difference]

    /// Joins `reports[s]`, the fold reports of seed `seeds[s]`.
    public init(folds: Int, seeds: [UInt64], reports: [[ControllerEvaluation.Report]], bootstrapSamples: Int = 1000) {
        self.folds = folds
        self.seeds = seeds
        costWeight = reports.first?.first?.costWeight ?? 0
        let joined = reports.map(Joined.init)
        tasks = joined.first?.taskIDs.count ?? 0
        let names = joined.first?.rows.keys.sorted { Self.order($0) < Self.order($1) || (Self.order($0) == Self.order($1) && $0 < $1) } ?? []
        let weight = costWeight
        func utility(_ result: ControllerEvaluation.TaskResult) -> Double {
            Utility.of(score: result.score ?? 0, costUSD: result.costUSD, costWeight: weight)
        }
        strategies = names.map { name in
            let perSeed = joined.compactMap { $0.rows[name] }
            let accuracies = perSeed.map { results in results.compactMap(\.score) }.filter { !$0.isEmpty }
            let apgrs = name == "controller" ? joined.compactMap(\.apgr) : []
            return Strategy(
                name: name,
                utility: Spread(perSeed.map { Self.mean($0.map(utility)) }),
                accuracy: accuracies.count == perSeed.count && !perSeed.isEmpty ? Spread(accuracies.map(Self.mean)) : nil,
                meanCostUSD: Spread(perSeed.map { Self.mean($0.map(\.costUSD)) }),
                apgr: !apgrs.isEmpty && apgrs.count == joined.count ? Spread(apgrs) : nil
            )
        }
        guard names.contains("controller") else {
            differences = []
            return
        }
        let best = strategies.filter { $0.name.hasPrefix("only ") }.max { $0.utility.mean < $1.utility.mean }?.name
        // Against the prior, the best single model and, for plans learned on recordings, the controller's own single-agent plans.
        let single =
            names.contains("controller" + ControllerEvaluation.Row.singleAgentSuffix)
            ? "controller" + ControllerEvaluation.Row.singleAgentSuffix : nil
        differences = ["prior", best, single].compactMap { $0 }.map { other in
            // Per task, the controller's utility minus the other's, averaged over the seeds.
            var perTask = [Double](repeating: 0, count: joined.first?.taskIDs.count ?? 0)
            var bySeed: [Double] = []
            for seed in joined {
                let mine = seed.rows["controller"] ?? []
                let theirs = seed.rows[other] ?? []
                let gaps = zip(mine, theirs).map { utility($0) - utility($1) }
                for index in gaps.indices where index < perTask.count { perTask[index] += gaps[index] / Double(joined.count) }
                bySeed.append(Self.mean(gaps))
            }
            let interval = Bootstrap.interval(count: perTask.count, samples: bootstrapSamples, seed: seeds.first ?? 0, label: "out-of-fold \(other)")
            {
                sample in Self.mean(sample.map { perTask[$0] })
            }
            return Difference(against: other, mean: Self.mean(perTask), interval: [interval.low, interval.high], bySeed: bySeed)
        }
    }

    /// One seed's fold reports joined into per-task results over the whole task set, in one task order.
    struct Joined {
        var taskIDs: [String]
        /// Strategy → per-task results, in `taskIDs` order.
        var rows: [String: [ControllerEvaluation.TaskResult]]
        var apgr: Double?

        init(_ folds: [ControllerEvaluation.Report]) {
            var results: [String: [String: ControllerEvaluation.TaskResult]] = [:]
            var ratings: [String: Double] = [:]
            for report in folds {
                for row in report.rows {
                    for (id, result) in zip(report.taskIDs, row.perTask) { results[row.strategy, default: [:]][id] = result }
                }
                for (id, rating) in zip(report.taskIDs, report.dearerRatings ?? []) { ratings[id] = rating }
            }
            taskIDs = folds.flatMap(\.taskIDs).sorted()
            let ids = taskIDs
            rows = results.mapValues { byID in ids.compactMap { byID[$0] } }
            let models = folds.first?.ratedModels ?? []
            if models.count == 2, ratings.count == ids.count, let cheaper = rows["only \(models[0])"], let dearer = rows["only \(models[1])"],
                cheaper.count == ids.count, dearer.count == ids.count
            {
                apgr =
                    RoutingCurve(
                        scores: ids.map { ratings[$0] ?? 0 },
                        weakCorrect: cheaper.map { ($0.score ?? 0) >= 1 },
                        strongCorrect: dearer.map { ($0.score ?? 0) >= 1 }
                    )?.apgr
            }
        }
    }

    /// Strategies in report order: the controller, the prior, random plans, single models, the oracle.
    static func order(_ name: String) -> Int {
        switch name {
        case "controller": 0
        case "controller" + ControllerEvaluation.Row.singleAgentSuffix: 1
        case "prior": 2
        case "random plans": 3
        case _ where name.hasPrefix("only "): 4
        default: 5
        }
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
