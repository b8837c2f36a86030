import Foundation

extension PolicyTrainer {
    /// What off-policy training used and skipped.
    public struct OffPolicyData: Sendable, Equatable {
        public var used: Int
        /// Runs planned by a controller whose parameters were not supplied.
        public var skippedUnknownController: Int
    }

    /// Trains from stored runs without running anything. Each run's decisions are re-scored under the current
    /// parameters: the logging policy's logits are recovered from its recorded probabilities and temperature
    /// (minus its own learned scores, for runs of a supplied controller), the current learned scores added, and
    /// the update is the importance-weighted REINFORCE gradient, the weight π_θ(plan) / π_logged(plan) clipped
    /// at `clip`. Runs of the prior need nothing more; runs of a trained controller need its parameters in
    /// `behaviours` (by version) and are skipped otherwise.
    public func trainOffPolicy(
        _ plans: [StoredPlan],
        behaviours: [String: ControllerParameters] = [:],
        clip: Double = 5,
        outcomeModel: OutcomeModel? = nil,
        progress: @Sendable (Progress) async -> Void = { _ in }
    ) async throws -> (ControllerParameters, OffPolicyData) {
        let controller = orchestrator.controller
        var parameters = controller.zeroParameters
        parameters.outcomeModel = outcomeModel
        var optimizer = AdamOptimizer(learningRate: options.learningRate, weightDecay: options.weightDecay)
        let priceLevels = controller.priceLevelsByModel

        let (samples, skipped) = try await OffPolicySample.make(
            plans,
            controller: controller,
            behaviours: behaviours,
            costWeight: options.costWeight
        )
        guard !samples.isEmpty else {
            return (parameters, OffPolicyData(used: 0, skippedUnknownController: skipped))
        }
        let baseline = samples.reduce(0) { $0 + $1.utility } / Double(samples.count)
        var order = Array(samples.indices)
        var shuffler = SeededGenerator(seed: options.seed, labels: ["train", "off-policy"])
        let batchesPerEpoch = (samples.count + options.batchSize - 1) / options.batchSize
        var epochUtilities: [Double] = []
        for epoch in 1...options.epochs {
            order.shuffle(using: &shuffler)
            var weightedUtility = 0.0
            var totalWeight = 0.0
            for batch in 0..<batchesPerEpoch {
                let chosen = order[(batch * options.batchSize)..<min(samples.count, (batch + 1) * options.batchSize)]
                var gradient = ParameterGradient(featureCount: parameters.featureCount)
                var batchWeighted = 0.0
                var batchWeight = 0.0
                for index in chosen {
                    let sample = samples[index]
                    let rescored = sample.rescored(under: parameters, priceLevels: priceLevels)
                    let weight = min(clip, exp(rescored.logRatio))
                    let step = PolicyGradient.logProbabilityGradient(
                        of: rescored.decisions,
                        features: sample.features,
                        priceLevels: priceLevels,
                        temperature: sample.plan.run.controllerTemperature
                    )
                    gradient.add(step, scale: weight * (sample.utility - baseline) / Double(chosen.count))
                    batchWeighted += weight * sample.utility
                    batchWeight += weight
                }
                optimizer.ascend(&parameters, along: gradient)
                weightedUtility += batchWeighted
                totalWeight += batchWeight
                await progress(
                    Progress(
                        epoch: epoch,
                        batch: batch + 1,
                        batchesPerEpoch: batchesPerEpoch,
                        runs: samples.count,
                        batchUtility: batchWeight > 0 ? batchWeighted / batchWeight : 0,
                        epochUtility: totalWeight > 0 ? weightedUtility / totalWeight : 0,
                        epochAccuracy: nil
                    )
                )
            }
            epochUtilities.append(totalWeight > 0 ? weightedUtility / totalWeight : 0)
        }
        seal(&parameters, mode: "off-policy", taskSet: nil, runs: samples.count, epochUtilities: epochUtilities)
        return (parameters, OffPolicyData(used: samples.count, skippedUnknownController: skipped))
    }
}

/// One stored run ready for off-policy updates.
struct OffPolicySample: Sendable {
    var plan: StoredPlan
    var features: [Double]
    var utility: Double
    /// The parameters that planned it; nil for the prior.
    var behaviour: ControllerParameters?

    /// The samples of stored runs planned by the prior or by one of `behaviours` (by version), with the number
    /// of runs skipped because their controller's parameters were not given.
    static func make(
        _ plans: [StoredPlan],
        controller: CascadedController,
        behaviours: [String: ControllerParameters],
        costWeight: Double
    ) async throws -> (samples: [OffPolicySample], skipped: Int) {
        var samples: [OffPolicySample] = []
        var skipped = 0
        var featureCache: [String: [Double]] = [:]
        for plan in plans {
            let behaviour: ControllerParameters?
            if plan.run.controllerVersion == CascadedController.priorVersion {
                behaviour = nil
            } else if let known = behaviours[plan.run.controllerVersion] {
                behaviour = known
            } else {
                skipped += 1
                continue
            }
            let key = (plan.task.domain?.rawValue ?? "") + "\u{1}" + plan.task.query
            let features: [Double]
            if let cached = featureCache[key] {
                features = cached
            } else {
                features = try await controller.features(for: plan.task)
                featureCache[key] = features
            }
            let utility = plan.run.utility(costWeight: costWeight)
            samples.append(OffPolicySample(plan: plan, features: features, utility: utility, behaviour: behaviour))
        }
        return (samples, skipped)
    }

    /// The run's decisions with each candidate's probability under `parameters`, and log π_θ − log π_logged of
    /// the choices. The logged logits are recovered from the recorded probabilities with the run's exploration floor
    /// taken out; `floor` is the one the target plans with (0: its softmax alone, as training's gradient assumes).
    func rescored(
        under parameters: ControllerParameters,
        priceLevels: [String: Double],
        floor: Double = 0
    ) -> (decisions: [Decision], logRatio: Double) {
        let temperature = plan.run.controllerTemperature
        var logRatio = 0.0
        var decisions: [Decision] = []
        let oldRight = behaviour?.rightProbabilities(plan.task.query) ?? [:]
        let newRight = parameters.rightProbabilities(plan.task.query)
        for decision in plan.decisions {
            guard decision.candidates.count > 1, !decision.pinned else {
                decisions.append(decision)
                continue
            }
            let softmax = CascadedController.withoutFloor(decision.candidates.map(\.probability), floor: plan.run.explorationFloor)
            let logits = zip(decision.candidates, softmax).map { candidate, loggedProbability -> Double in
                let level = decision.stage == .model ? priceLevels[candidate.name] : nil
                let logged = temperature * log(max(loggedProbability, 1e-300))
                let old =
                    behaviour?.logit(
                        stage: decision.stage,
                        candidate: candidate.name,
                        features: features,
                        priceLevel: level,
                        rightProbabilities: oldRight
                    )
                    ?? 0
                let new = parameters.logit(
                    stage: decision.stage,
                    candidate: candidate.name,
                    features: features,
                    priceLevel: level,
                    rightProbabilities: newRight
                )
                return logged - old + new
            }
            let probabilities = CascadedController.withFloor(CascadedController.softmax(logits, temperature: temperature), floor: floor)
            var rescored = decision
            rescored.candidates = zip(decision.candidates, probabilities).map { Decision.Candidate(name: $0.name, probability: $1) }
            if let chosen = decision.candidates.firstIndex(where: { $0.name == decision.chosen }) {
                rescored.logProbability = log(max(probabilities[chosen], 1e-300))
                logRatio += rescored.logProbability - log(max(decision.candidates[chosen].probability, 1e-300))
            }
            decisions.append(rescored)
        }
        return (decisions, logRatio)
    }
}
