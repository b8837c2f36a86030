import Foundation
import Logging

/// The trained cascade measured the way it runs: through the orchestrator, the `cascade` topology and the recorded
/// provider, on held-out questions of recorded outcomes. For each split seed the judge is fitted on the training
/// questions' recorded responses (the next level's outcomes give its gain models); for each budget (a share of
/// always-strong's cost) the cost weight λ of the `lambda` rule is chosen on the training questions, by running the
/// cascade there with every answer escalated, so that the cheapest level plus the escalations of most gain per
/// estimated dollar fit the budget; then the held-out questions run with that rule. Always-cheap and always-strong run the same way (`single`, the model
/// pinned), so every cost is what the executor recorded.
public struct CascadeEvaluation: Sendable {
    /// One strategy's figures on the held-out questions.
    public struct Row: Sendable, Codable, Equatable {
        public var name: String
        public var accuracy: Double
        public var costUSD: Double
        /// Cost as a share of always-strong's.
        public var costShare: Double
        /// The share of questions escalated (cascades only).
        public var escalated: Double?
        /// The cost weight λ of the `lambda` rule the budget gave on the training questions (cascades only).
        public var lambda: Double?
        /// The budget, as a share of always-strong's cost (cascades only).
        public var budget: Double?
    }

    public struct Split: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var trainQuestions: Int
        public var heldOutQuestions: Int
        /// Always cheap, always strong, the oracle, the fixed rule, then the cascade at each budget.
        public var rows: [Row]
    }

    public struct Report: Sendable, Codable, Equatable {
        public var dataset: String
        public var cheapModel: String
        public var strongModel: String
        public var holdout: Double
        public var splits: [Split]
    }

    let catalog: Catalog
    let outcomes: RecordedOutcomes
    let cheap: ModelSpec
    let strong: ModelSpec
    let logger: Logger

    /// A catalogue whose fleet holds `cheap` and `strong` as recorded models, with the recordings they answer from.
    public init(catalog: Catalog, outcomes: RecordedOutcomes, cheap: ModelSpec, strong: ModelSpec, logger: Logger) {
        self.catalog = catalog
        self.outcomes = outcomes
        self.cheap = cheap
        self.strong = strong
        self.logger = logger
    }

    public func evaluate(
        dataset: String,
        holdout: Double = 0.3,
        splitSeeds: [UInt64] = [0, 1, 2],
        budgets: [Double] = [0.35, 0.6],
        parallel: Int = 4
    ) async throws -> Report {
        let items = outcomes.items.filter { item in
            item.dataset == dataset && item.outcomes[cheap.modelID]?.response != nil && item.outcomes[strong.modelID]?.response != nil
        }
        var splits: [Split] = []
        for seed in splitSeeds {
            splits.append(try await split(items, seed: seed, holdout: holdout, budgets: budgets, parallel: parallel))
        }
        return Report(dataset: dataset, cheapModel: cheap.name, strongModel: strong.name, holdout: holdout, splits: splits)
    }

    func split(_ items: [RecordedOutcomes.Item], seed: UInt64, holdout: Double, budgets: [Double], parallel: Int) async throws -> Split {
        let train = items.filter { !TaskSplit.isHeldOut(id: $0.id, fraction: holdout, seed: seed) }
        let test = items.filter { TaskSplit.isHeldOut(id: $0.id, fraction: holdout, seed: seed) }
        var trainOutcomes = RecordedOutcomes()
        train.forEach { trainOutcomes.add($0) }
        let examples = EscalationJudge.examples(from: trainOutcomes, fleet: catalog.fleet).filter {
            $0.model == cheap.name || $0.model == strong.name
        }
        let judge = EscalationJudge.fit(
            examples,
            strongCorrect: EscalationJudge.nextLevelOutcomes(of: examples, nextModel: [cheap.name: strong.name])
        )
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            providers: ProviderRegistry(recordings: outcomes),
            logger: logger
        )
        let judged = orchestrator.with(
            controller: orchestrator.controller.with(parameters: orchestrator.controller.zeroParameters.with(escalationJudge: judge))
        )
        func run(_ items: [RecordedOutcomes.Item], topology: String, models: [String], rule: EscalationPolicy.Rule? = nil) async throws -> [RunResult]
        {
            let runner = rule.map { judged.with(escalation: $0) } ?? judged
            return try await runner.runBatch(Self.tasks(items, topology: topology, models: models), seed: seed, parallel: parallel)
        }
        let cheapAlone = try await run(test, topology: "single", models: [cheap.name])
        let strongAlone = try await run(test, topology: "single", models: [strong.name])
        let strongCost = strongAlone.reduce(0) { $0 + $1.costUSD }
        func row(_ name: String, _ results: [RunResult], cascade: Bool = false, lambda: Double? = nil, budget: Double? = nil) -> Row {
            let n = Double(max(results.count, 1))
            let cost = results.reduce(0) { $0 + $1.costUSD }
            return Row(
                name: name,
                accuracy: Double(results.filter(Self.isRight).count) / n,
                costUSD: cost,
                costShare: strongCost > 0 ? cost / strongCost : 0,
                escalated: cascade ? Double(results.filter { $0.escalations.contains(where: \.escalates) }.count) / n : nil,
                lambda: lambda,
                budget: budget
            )
        }
        var rows = [row("always \(cheap.name)", cheapAlone), row("always \(strong.name)", strongAlone)]
        // The oracle escalates exactly where the cheap answer is wrong and the strong one right.
        let oracleCost = zip(cheapAlone, strongAlone).reduce(0.0) { total, pair in
            let (first, second) = pair
            return total + first.costUSD + (Self.isRight(first) || !Self.isRight(second) ? 0 : second.costUSD)
        }
        let oracleRight = zip(cheapAlone, strongAlone).filter { Self.isRight($0) || Self.isRight($1) }.count
        rows.append(
            Row(
                name: "oracle",
                accuracy: Double(oracleRight) / Double(max(test.count, 1)),
                costUSD: oracleCost,
                costShare: strongCost > 0 ? oracleCost / strongCost : 0
            )
        )
        // The fixed rule: the same cascade without a judge, so the checks decide (a failed or unsupported answer goes up).
        let fixed = try await orchestrator.runBatch(
            Self.tasks(test, topology: "cascade", models: [cheap.name, strong.name]),
            seed: seed,
            parallel: parallel
        )
        rows.append(row("fixed rule (checks)", fixed, cascade: true))

        // On the training questions: each level's recorded cost with every answer escalated, and always-strong's.
        let trainStrong = try await run(train, topology: "single", models: [strong.name])
        let trainCascade = try await run(train, topology: "cascade", models: [cheap.name, strong.name], rule: .share(1))
        let trainStrongCost = trainStrong.reduce(0) { $0 + $1.costUSD }
        var levels: [Level] = []
        // The cheap level's features were read once for the judge's examples.
        let cheapFeatures = Dictionary(
            examples.filter { $0.model == cheap.name }.compactMap { example in example.taskID.map { ($0, example.features) } },
            uniquingKeysWith: { first, _ in first }
        )
        for (item, result) in zip(train, trainCascade) {
            let messages = try await judged.store.messages(runID: result.runID)
            let response = item.outcomes[cheap.modelID]?.response ?? ""
            let kind = item.kind
            let features = cheapFeatures[item.id] ?? ResponseFeatures.values(response: response, kind: kind, query: item.query)
            levels.append(
                Level(
                    first: messages.filter { $0.model == cheap.name }.reduce(0) { $0 + $1.costUSD },
                    second: messages.filter { $0.model == strong.name }.reduce(0) { $0 + $1.costUSD },
                    gain: judge.expectedGain(model: cheap.name, features: features, response: response) ?? 0,
                    estimatedCost: EscalationPolicy.extraCost(query: item.query, response: response, next: strong)
                )
            )
        }
        for budget in budgets {
            let lambda = Self.costWeight(levels: levels, budget: budget * trainStrongCost)
            let cascade = try await run(test, topology: "cascade", models: [cheap.name, strong.name], rule: .costWeight(lambda))
            rows.append(row("cascade at \(Int((budget * 100).rounded()))%", cascade, cascade: true, lambda: lambda, budget: budget))
        }
        return Split(seed: seed, trainQuestions: train.count, heldOutQuestions: test.count, rows: rows)
    }

    /// One training question as the budget sees it: each level's recorded cost, the judge's expected gain, and the
    /// escalation's cost as the policy estimates it before the call.
    struct Level {
        var first: Double
        var second: Double
        var gain: Double
        var estimatedCost: Double
    }

    /// The cost weight λ at which the `lambda` rule (escalate when gain > λ × estimated cost) spends as much as it can
    /// on the training questions within `limit`: escalations go by gain per estimated dollar, the budget's best use.
    static func costWeight(levels: [Level], budget limit: Double) -> Double {
        let ratios = levels.map { $0.gain / max($0.estimatedCost, 1e-12) }
        let order = levels.indices.sorted { ratios[$0] > ratios[$1] }
        var spent = levels.reduce(0) { $0 + $1.first }
        var last: Int?
        for index in order where ratios[index] > 0 {
            guard spent + levels[index].second <= limit else { break }
            spent += levels[index].second
            last = index
        }
        guard let last else { return ratios.max().map { max($0, 0) + 1 } ?? 1e9 }
        let position = order.firstIndex(of: last) ?? 0
        let next = position + 1 < order.count ? max(ratios[order[position + 1]], 0) : 0
        return (ratios[last] + next) / 2
    }

    /// Whether a run's answer scored as right.
    static func isRight(_ result: RunResult) -> Bool {
        (result.score ?? 0) >= 1
    }

    /// The questions as tasks pinned to a topology and models.
    static func tasks(_ items: [RecordedOutcomes.Item], topology: String, models: [String]) -> [OrchestrationTask] {
        items.map { item in
            OrchestrationTask(
                id: item.id,
                query: item.query,
                domain: item.domain,
                expected: item.expected,
                constraints: Constraints(topology: topology, agentCount: models.count, models: models),
                declaredAnswerKind: item.answerKind
            )
        }
    }
}
