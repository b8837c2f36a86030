import Foundation

/// Judges a controller on a task set against baselines on the same tasks: every model of the fleet alone, random
/// plans, the prior, and the oracle that picks, per task, the best single model after the fact. For a fleet of
/// two models it also draws RouteLLM's cost–quality curve and its APGR.
public struct ControllerEvaluation: Sendable {
    /// One strategy's results.
    public struct Row: Sendable, Codable, Equatable {
        public var name: String
        public var runs: Int
        public var accuracy: Double?
        public var meanCostUSD: Double
        public var utility: Double
        /// Stage → candidate → share of that stage's unpinned decisions.
        public var choiceShares: [String: [String: Double]]
        /// The same, per domain of the task (as planned).
        public var choiceSharesByDomain: [String: [String: [String: Double]]]
        /// Each task's result, in the order of the report's `taskIDs`.
        public var perTask: [TaskResult] = []

        /// The strategy the row stands for across reports: every evaluated controller is `controller`.
        public var strategy: String {
            guard name.hasPrefix("controller ") else { return name }
            return name.hasSuffix(Self.singleAgentSuffix) ? "controller" + Self.singleAgentSuffix : "controller"
        }

        /// What the row of a controller held to one agent adds to its name.
        public static let singleAgentSuffix = ", single agent only"
    }

    /// One task's score (nil without an expected answer), cost, and the number of agents its plan had.
    public struct TaskResult: Sendable, Codable, Equatable {
        public var score: Double?
        public var costUSD: Double
        public var agents: Int? = nil
    }

    /// What the controller's multi-agent plans added over its best single-agent plans, on the tasks it gave them.
    public struct MultiAgentGain: Sendable, Codable, Equatable {
        /// Tasks planned with more than one agent, of all.
        public var tasks: Int
        public var of: Int
        /// On those tasks: the controller's accuracy, mean cost and utility, and those of its single-agent plans.
        public var accuracy: Double
        public var singleAgentAccuracy: Double
        public var meanCostUSD: Double
        public var singleAgentMeanCostUSD: Double
        public var utility: Double
        public var singleAgentUtility: Double
    }

    /// RouteLLM's curve for a two-model fleet: routing the queries the controller rates most in need of the strong
    /// model to it, for every share of calls to it.
    public struct Curve: Sendable, Codable, Equatable {
        public var weakModel: String
        public var strongModel: String
        /// (share of calls to the strong model, accuracy, performance gap recovered).
        public var points: [Point]
        /// The average performance gap recovered over all shares of strong calls; 0.5 for random routing.
        public var apgr: Double

        public typealias Point = RoutingCurve.Point
    }

    public struct Report: Sendable, Codable, Equatable {
        public var tasks: Int
        public var costWeight: Double
        public var rows: [Row]
        public var curve: Curve?
        /// The tasks, in the order of each row's `perTask`.
        public var taskIDs: [String] = []
        /// For a two-model fleet: per task, the probability the evaluated controller (or the prior) gives the dearer
        /// model as a single agent — what the curve ranks by.
        public var dearerRatings: [Double]? = nil
        /// The two models the ratings are about, cheaper first.
        public var ratedModels: [String]? = nil
        /// For a controller with plans learned on recorded outcomes, on tasks that pin no topology or agent count: what
        /// its multi-agent plans added over its best single-agent plans (the row `… single agent only`).
        public var multiAgent: MultiAgentGain? = nil
    }

    public let orchestrator: Orchestrator
    public let costWeight: Double
    public let seed: UInt64
    public let parallel: Int

    public init(orchestrator: Orchestrator, costWeight: Double, seed: UInt64 = 0, parallel: Int = 4) {
        self.orchestrator = orchestrator
        self.costWeight = costWeight
        self.seed = seed
        self.parallel = parallel
    }

    /// Evaluates `parameters` (nil: only the baselines) on `tasks`.
    public func evaluate(_ tasks: [OrchestrationTask], parameters: ControllerParameters?) async throws -> Report {
        let controller = orchestrator.controller
        var rows: [Row] = []
        var multiAgent: MultiAgentGain?
        if let parameters {
            let trained = controller.with(parameters: parameters, settings: ControllerSettings())
            rows.append(try await row("controller \(parameters.version)", tasks, trained))
            let pinned = tasks.contains { $0.constraints.topology != nil || $0.constraints.agentCount != nil || $0.constraints.roles != nil }
            if parameters.plans != nil, !pinned {
                // The same controller held to one agent: its best single-agent plan per domain.
                let single = tasks.map { task -> OrchestrationTask in
                    var copy = task
                    copy.constraints.agentCount = 1
                    copy.constraints.roles = nil
                    return copy
                }
                let singleRow = try await row("controller \(parameters.version)" + Row.singleAgentSuffix, single, trained)
                rows.append(singleRow)
                multiAgent = Self.multiAgentGain(rows[0], singleRow, costWeight: costWeight)
            }
        }
        // The prior starts from nothing seen, as on a fleet it has never met (it explores where no quality is known).
        rows.append(
            try await row("prior", tasks, controller.with(parameters: nil, settings: ControllerSettings(costWeight: costWeight)), fresh: true)
        )
        rows.append(
            try await row(
                "random plans",
                tasks,
                controller.with(parameters: nil, settings: ControllerSettings(selection: .sample, temperature: 1e6)),
                fresh: true
            )
        )
        var alone: [String: [RunResult]] = [:]
        for model in orchestrator.catalog.fleet.models {
            let pinned = tasks.map { task -> OrchestrationTask in
                var copy = task
                copy.constraints = Constraints(topology: "single", agentCount: 1, models: [model.name])
                return copy
            }
            let results = try await orchestrator.with(controller: controller.with(parameters: nil, settings: ControllerSettings()))
                .runBatch(pinned, seed: seed, parallel: parallel)
            alone[model.name] = results
            rows.append(summarise("only \(model.name)", results))
        }
        let oracle = tasks.indices.map { index in
            alone.values.map { $0[index] }.max { utility(of: $0) < utility(of: $1) }
        }.compactMap { $0 }
        var oracleRow = summarise("oracle (best single model per task)", oracle)
        oracleRow.choiceShares = [:]
        oracleRow.choiceSharesByDomain = [:]
        rows.append(oracleRow)
        let ratings = try await dearerRatings(tasks, parameters: parameters)
        return Report(
            tasks: tasks.count,
            costWeight: costWeight,
            rows: rows,
            curve: ratings.flatMap { curve(ratings: $0, alone: alone) },
            taskIDs: tasks.map(\.id),
            dearerRatings: ratings,
            ratedModels: twoModels.map { [$0.cheaper.name, $0.dearer.name] },
            multiAgent: multiAgent
        )
    }

    /// The controller's results against its single-agent results on the tasks it planned with several agents.
    static func multiAgentGain(_ controller: Row, _ single: Row, costWeight: Double) -> MultiAgentGain? {
        let pairs = zip(controller.perTask, single.perTask).filter { ($0.0.agents ?? 1) > 1 }
        guard !pairs.isEmpty else { return nil }
        let count = Double(pairs.count)
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / count }
        let accuracy = mean(pairs.map { $0.0.score ?? 0 })
        let singleAccuracy = mean(pairs.map { $0.1.score ?? 0 })
        let cost = mean(pairs.map(\.0.costUSD))
        let singleCost = mean(pairs.map(\.1.costUSD))
        return MultiAgentGain(
            tasks: pairs.count,
            of: controller.perTask.count,
            accuracy: accuracy,
            singleAgentAccuracy: singleAccuracy,
            meanCostUSD: cost,
            singleAgentMeanCostUSD: singleCost,
            utility: Utility.of(score: accuracy, costUSD: cost, costWeight: costWeight),
            singleAgentUtility: Utility.of(score: singleAccuracy, costUSD: singleCost, costWeight: costWeight)
        )
    }

    func utility(of result: RunResult) -> Double {
        result.utility(costWeight: costWeight)
    }

    private func row(_ name: String, _ tasks: [OrchestrationTask], _ controller: CascadedController, fresh: Bool = false) async throws -> Row {
        let runner = fresh ? orchestrator.withFreshEvidence() : orchestrator
        return summarise(name, try await runner.with(controller: controller).runBatch(tasks, seed: seed, parallel: parallel))
    }

    private func summarise(_ name: String, _ results: [RunResult]) -> Row {
        let scores = results.compactMap(\.score)
        let byDomain = Dictionary(grouping: results) { $0.plan?.domain.rawValue ?? "unplanned" }.mapValues(Self.shares)
        let count = Double(max(1, results.count))
        return Row(
            name: name,
            runs: results.count,
            accuracy: scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count),
            meanCostUSD: results.reduce(0) { $0 + $1.costUSD } / count,
            utility: results.reduce(0) { $0 + utility(of: $1) } / count,
            choiceShares: Self.shares(results),
            choiceSharesByDomain: byDomain,
            perTask: results.map { TaskResult(score: $0.score, costUSD: $0.costUSD, agents: $0.plan?.agents.count) }
        )
    }

    /// Stage → candidate → share of the stage's unpinned decisions over the runs.
    static func shares(_ results: [RunResult]) -> [String: [String: Double]] {
        var counts: [String: [String: Int]] = [:]
        for decision in results.flatMap({ $0.plan?.decisions ?? [] }) where !decision.pinned {
            counts[decision.stage.rawValue, default: [:]][decision.chosen, default: 0] += 1
        }
        return counts.mapValues { stage in
            let total = Double(stage.values.reduce(0, +))
            return stage.mapValues { Double($0) / total }
        }
    }

    /// The fleet's two models, cheaper first; nil for another number of models.
    private var twoModels: (cheaper: ModelSpec, dearer: ModelSpec)? {
        let models = orchestrator.catalog.fleet.models.sorted { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
        return models.count == 2 ? (models[0], models[1]) : nil
    }

    /// For a two-model fleet, per task the probability the controller (or the prior) gives the dearer model as a
    /// single agent; nil otherwise.
    private func dearerRatings(_ tasks: [OrchestrationTask], parameters: ControllerParameters?) async throws -> [Double]? {
        guard let dearer = twoModels?.dearer else { return nil }
        let controller = orchestrator.controller.with(parameters: parameters, settings: ControllerSettings())
        var ratings: [Double] = []
        for task in tasks {
            var single = task
            single.constraints = Constraints(topology: "single", agentCount: 1)
            let plan = try await controller.plan(for: single, seed: seed)
            ratings.append(plan.decisions.first { $0.stage == .model }?.candidates.first { $0.name == dearer.name }?.probability ?? 0)
        }
        return ratings
    }

    /// The curve for a two-model fleet whose dearer model is the more accurate on these tasks (nil otherwise): tasks
    /// ordered by their ratings, the top share of them answered by the dearer model, the rest by the cheaper one.
    private func curve(ratings: [Double], alone: [String: [RunResult]]) -> Curve? {
        guard let (cheaper, dearer) = twoModels, let weak = alone[cheaper.name], let strong = alone[dearer.name], !ratings.isEmpty
        else { return nil }
        // APGR measures how much of the dearer model's lead a router recovers: without a lead it means nothing.
        guard
            let routed = RoutingCurve(
                scores: ratings,
                weakCorrect: weak.map { ($0.score ?? 0) >= 1 },
                strongCorrect: strong.map { ($0.score ?? 0) >= 1 }
            )
        else { return nil }
        return Curve(weakModel: cheaper.name, strongModel: dearer.name, points: routed.points, apgr: routed.apgr)
    }
}
