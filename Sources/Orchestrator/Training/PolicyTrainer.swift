import Foundation

/// Trains the cascaded controller on-policy by REINFORCE with a baseline, optimised with Adam: run a batch of
/// tasks with choices sampled from the current policy, score each run's utility (score − λ × cost in US
/// dollars), and move the parameters along (utility − baseline) × ∇ log π(plan). The baseline is a moving
/// average of batch utilities. The same seed gives the same parameters.
public struct PolicyTrainer: Sendable {
    /// How to train.
    public struct Options: Sendable, Equatable {
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        /// λ: utility lost per US dollar spent.
        public var costWeight: Double
        /// Decoupled weight decay towards the prior (0: none).
        public var weightDecay: Double
        public var seed: UInt64
        /// The sampling temperature of the policy while training.
        public var temperature: Double
        /// Runs in flight at once.
        public var parallel: Int
        /// On-policy: the weight β of an entropy bonus β · Σ H(π) over each run's decisions (0: none), which keeps
        /// the policy exploring instead of freezing where a confident prior put it.
        public var entropyBonus: Double

        public init(
            epochs: Int = 3,
            batchSize: Int = 16,
            learningRate: Double = 0.05,
            costWeight: Double = 20,
            weightDecay: Double = 0,
            seed: UInt64 = 0,
            temperature: Double = 1,
            parallel: Int = 4,
            entropyBonus: Double = 0
        ) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.costWeight = costWeight
            self.weightDecay = weightDecay
            self.seed = seed
            self.temperature = temperature
            self.parallel = parallel
            self.entropyBonus = entropyBonus
        }
    }

    /// Where training stands after a batch.
    public struct Progress: Sendable {
        public var epoch: Int
        public var batch: Int
        public var batchesPerEpoch: Int
        public var runs: Int
        /// Mean utility of the batch just run, and of the epoch so far.
        public var batchUtility: Double
        public var epochUtility: Double
        public var epochAccuracy: Double?
    }

    public let orchestrator: Orchestrator
    public let options: Options

    public init(orchestrator: Orchestrator, options: Options) {
        self.orchestrator = orchestrator
        self.options = options
    }

    /// The utility of a run: its score (0 when unscored) minus λ × its cost.
    public func utility(of result: RunResult) -> Double {
        result.utility(costWeight: options.costWeight)
    }

    /// Trains from the prior (with the outcome model of `start` when given) on `tasks` and returns the parameters,
    /// summarised.
    public func trainOnPolicy(
        _ tasks: [OrchestrationTask],
        taskSet: String? = nil,
        outcomeModel: OutcomeModel? = nil,
        progress: @Sendable (Progress) async -> Void = { _ in }
    ) async throws -> ControllerParameters {
        let controller = orchestrator.controller
        var parameters = controller.zeroParameters
        parameters.outcomeModel = outcomeModel
        var optimizer = AdamOptimizer(learningRate: options.learningRate, weightDecay: options.weightDecay)
        var features: [String: [Double]] = [:]
        for task in tasks { features[task.id] = try await controller.features(for: task) }
        let priceLevels = controller.priceLevelsByModel
        let sampling = ControllerSettings(selection: .sample, temperature: options.temperature)

        var order = Array(tasks.indices)
        var shuffler = SeededGenerator(seed: options.seed, labels: ["train", "order"])
        var baseline: Double?
        var epochUtilities: [Double] = []
        var runs = 0
        let batchesPerEpoch = (tasks.count + options.batchSize - 1) / options.batchSize
        for epoch in 1...options.epochs {
            order.shuffle(using: &shuffler)
            var utilities: [Double] = []
            var scored: [Double] = []
            for batch in 0..<batchesPerEpoch {
                let chosen = order[(batch * options.batchSize)..<min(tasks.count, (batch + 1) * options.batchSize)].map { tasks[$0] }
                let runner = orchestrator.with(controller: controller.with(parameters: parameters, settings: sampling))
                let seed = StableHash.combine(["epoch", String(epoch), "batch", String(batch)], seed: options.seed)
                let results = try await runner.runBatch(chosen, seed: seed, parallel: options.parallel)
                let planned = results.filter { $0.plan != nil }
                let batchUtilities = planned.map(utility(of:))
                runs += results.count
                guard !batchUtilities.isEmpty else { continue }
                let mean = batchUtilities.reduce(0, +) / Double(batchUtilities.count)
                let reference = baseline ?? mean
                var gradient = ParameterGradient(featureCount: parameters.featureCount)
                for (result, value) in zip(planned, batchUtilities) {
                    guard let plan = result.plan, let vector = features[result.taskID] else { continue }
                    let step = PolicyGradient.logProbabilityGradient(
                        of: plan.decisions,
                        features: vector,
                        priceLevels: priceLevels,
                        temperature: options.temperature
                    )
                    gradient.add(step, scale: (value - reference) / Double(planned.count))
                    if options.entropyBonus > 0 {
                        let spread = PolicyGradient.entropyGradient(
                            of: plan.decisions,
                            features: vector,
                            priceLevels: priceLevels,
                            temperature: options.temperature
                        )
                        gradient.add(spread, scale: options.entropyBonus / Double(planned.count))
                    }
                }
                optimizer.ascend(&parameters, along: gradient)
                baseline = 0.8 * reference + 0.2 * mean
                utilities += batchUtilities
                scored += planned.compactMap(\.score)
                await progress(
                    Progress(
                        epoch: epoch,
                        batch: batch + 1,
                        batchesPerEpoch: batchesPerEpoch,
                        runs: runs,
                        batchUtility: mean,
                        epochUtility: utilities.reduce(0, +) / Double(utilities.count),
                        epochAccuracy: scored.isEmpty ? nil : scored.reduce(0, +) / Double(scored.count)
                    )
                )
            }
            epochUtilities.append(utilities.isEmpty ? 0 : utilities.reduce(0, +) / Double(utilities.count))
        }
        seal(&parameters, mode: "on-policy", taskSet: taskSet, runs: runs, epochUtilities: epochUtilities)
        return parameters
    }

    /// Writes the training summary into trained parameters and versions them by their numbers.
    func seal(_ parameters: inout ControllerParameters, mode: String, taskSet: String?, runs: Int, epochUtilities: [Double]) {
        parameters.training = TrainingSummary(
            mode: mode,
            taskSet: taskSet,
            runs: runs,
            epochs: options.epochs,
            batchSize: options.batchSize,
            learningRate: options.learningRate,
            costWeight: options.costWeight,
            entropyBonus: mode == "on-policy" && options.entropyBonus > 0 ? options.entropyBonus : nil,
            seed: options.seed,
            firstEpochUtility: epochUtilities.first ?? 0,
            lastEpochUtility: epochUtilities.last ?? 0,
            trainedAt: Date()
        )
        parameters.reversion()
    }

    /// A hash of the learned numbers, for the version.
    static func fingerprint(_ parameters: ControllerParameters) -> UInt64 {
        var parts: [String] = []
        for stage in parameters.weights.keys.sorted() {
            for candidate in (parameters.weights[stage] ?? [:]).keys.sorted() {
                let values = parameters.weights[stage]?[candidate] ?? []
                parts.append("\(stage)/\(candidate):" + values.map { String($0.bitPattern) }.joined(separator: ","))
            }
        }
        parts.append("price:" + parameters.priceWeights.map { String($0.bitPattern) }.joined(separator: ","))
        for (model, fit) in (parameters.escalationJudge?.fits ?? [:]).sorted(by: { $0.key < $1.key }) {
            let numbers = fit.logistic.weights + fit.logistic.means + fit.logistic.scales
            parts.append("judge/\(model):" + numbers.map { String($0.bitPattern) }.joined(separator: ","))
            if let gain = fit.gain {
                let gainNumbers = gain.helps.weights + gain.helps.means + gain.hurts.weights + gain.hurts.means
                parts.append("gain/\(model):" + gainNumbers.map { String($0.bitPattern) }.joined(separator: ","))
            }
        }
        for (domain, entries) in (parameters.plans?.domains ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append(
                "plans/\(domain):"
                    + entries.map { "\($0.topology)/\($0.models.joined(separator: "+"))=\($0.utility.bitPattern)" }.joined(separator: ",")
            )
        }
        for (model, fit) in (parameters.outcomeModel?.models ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("outcome/\(model):" + ([fit.bias] + fit.weights).map { String($0.bitPattern) }.joined(separator: ","))
        }
        return StableHash.combine(parts)
    }
}
