import Foundation

/// What another controller would have done with stored runs, estimated without running anything.
///
/// Each run's decisions are re-scored under the target parameters (as off-policy training does). A decision
/// *agrees* when the target's most probable candidate is the one the run chose; the estimated utility is the
/// self-normalised importance-weighted mean of the runs' utilities, weights π_target(plan) / π_logged(plan)
/// clipped at `clip`. The effective sample size (Σw)² / Σw² says how many runs the estimate really rests on:
/// far below the run count, the target strays from what was logged and the estimate is weak.
public struct CounterfactualEstimate: Sendable, Codable, Equatable {
    /// One decision of one run, before and under the target.
    public struct DecisionChange: Sendable, Codable, Equatable {
        public var stage: Decision.Stage
        public var position: Int?
        /// The stored choice and its logged probability.
        public var chosen: String
        public var loggedProbability: Double
        /// The stored choice's probability under the target, and the target's most probable candidate.
        public var targetProbability: Double
        public var targetChoice: String
        public var targetChoiceProbability: Double
    }

    /// Runs used, and runs skipped because the controller that planned them was not given.
    public var runs: Int
    public var skipped: Int
    /// λ of utility = score − λ × cost.
    public var costWeight: Double
    public var clip: Double
    /// The mean utility the runs had.
    public var loggedUtility: Double
    /// The target's estimated mean utility on the same tasks.
    public var estimatedUtility: Double
    public var effectiveSampleSize: Double
    /// The share of runs whose every decision the target would have made too, and the share of decisions.
    public var planAgreement: Double
    public var decisionAgreement: Double
    /// For a single run: each decision before and under the target.
    public var decisions: [DecisionChange]

    /// Estimates `target` on stored runs planned by the prior or by one of `behaviours` (by version).
    public static func estimate(
        _ plans: [StoredPlan],
        target: ControllerParameters,
        controller: CascadedController,
        behaviours: [String: ControllerParameters] = [:],
        costWeight: Double,
        clip: Double = 5
    ) async throws -> CounterfactualEstimate {
        let (samples, skipped) = try await OffPolicySample.make(plans, controller: controller, behaviours: behaviours, costWeight: costWeight)
        let priceLevels = controller.priceLevelsByModel
        var weights: [Double] = []
        var agreeingPlans = 0
        var agreeingDecisions = 0
        var decisionCount = 0
        var changes: [DecisionChange] = []
        for sample in samples {
            let rescored = sample.rescored(under: target, priceLevels: priceLevels)
            weights.append(min(clip, exp(rescored.logRatio)))
            var agrees = true
            for (logged, under) in zip(sample.plan.decisions, rescored.decisions) {
                let best = under.candidates.max { $0.probability < $1.probability } ?? Decision.Candidate(name: under.chosen, probability: 1)
                decisionCount += 1
                if best.name == logged.chosen { agreeingDecisions += 1 } else { agrees = false }
                if samples.count == 1 {
                    changes.append(
                        DecisionChange(
                            stage: logged.stage,
                            position: logged.position,
                            chosen: logged.chosen,
                            loggedProbability: logged.probability,
                            targetProbability: under.probability,
                            targetChoice: best.name,
                            targetChoiceProbability: best.probability
                        )
                    )
                }
            }
            if agrees { agreeingPlans += 1 }
        }
        let total = weights.reduce(0, +)
        let squares = weights.reduce(0) { $0 + $1 * $1 }
        let weighted = zip(weights, samples).reduce(0) { $0 + $1.0 * $1.1.utility }
        let count = Double(max(1, samples.count))
        return CounterfactualEstimate(
            runs: samples.count,
            skipped: skipped,
            costWeight: costWeight,
            clip: clip,
            loggedUtility: samples.reduce(0) { $0 + $1.utility } / count,
            estimatedUtility: total > 0 ? weighted / total : 0,
            effectiveSampleSize: squares > 0 ? total * total / squares : 0,
            planAgreement: Double(agreeingPlans) / count,
            decisionAgreement: Double(agreeingDecisions) / Double(max(1, decisionCount)),
            decisions: changes
        )
    }
}

extension StoredPlan {
    /// The stored plan of a run's trace, ready for off-policy estimates; nil for a run without a plan.
    public init?(trace: RunTrace, catalog: Catalog) {
        guard
            trace.run.topology != nil,
            let task = try? trace.run.task(),
            let plan = try? Plan.stored(in: trace, task: task, catalog: catalog)
        else { return nil }
        self.init(run: trace.run, task: task, decisions: plan.decisions)
    }
}
