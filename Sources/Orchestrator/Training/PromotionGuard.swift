import Foundation

/// Decides whether a candidate controller replaces the live one, on recent scored runs the live controller planned and
/// the candidate was not trained on.
///
/// The candidate's plan for each run's task (the best plan of its plan table for the task's domain) is played on what
/// the run's agents answered (`PlanValuation` over the runs' logged outcomes): it can be valued on a run where every
/// model it names was called, and there it is paired with the utility the run really had under the live controller.
/// The gain is the mean paired difference, with a 95% bootstrap interval over those runs; the candidate is promoted
/// only when the whole interval lies above zero, the gain is worth a change (`minimumGain`) and it rests on at least
/// `minimumRuns` runs. A candidate no better than the live one — one trained on shuffled scores, say — is then
/// promoted at most as often as the interval misses.
public struct PromotionGuard: Sendable {
    public var costWeight: Double
    public var minimumRuns: Int
    /// The least mean gain in utility a promotion must bring: a candidate that differs from the live one on a handful
    /// of runs may be surely but negligibly better.
    public var minimumGain: Double
    public var bootstrapSamples: Int
    public var seed: UInt64

    public init(costWeight: Double, minimumRuns: Int = 30, minimumGain: Double = 0.005, bootstrapSamples: Int = 1000, seed: UInt64 = 0) {
        self.costWeight = costWeight
        self.minimumRuns = minimumRuns
        self.minimumGain = minimumGain
        self.bootstrapSamples = bootstrapSamples
        self.seed = seed
    }

    /// Compares `candidate` (which needs a plan table) with the controller `liveVersion` that planned `heldOut`, whose
    /// agents' answers are `outcomes` (`TraceStore.loggedOutcomes`).
    public func compare(
        candidate: ControllerParameters,
        liveVersion: String,
        heldOut: [StoredPlan],
        outcomes: RecordedOutcomes,
        trainedOnRuns: Int,
        catalog: Catalog,
        policy: VerificationPolicy
    ) -> PromotionEvidence {
        var pairs: [(candidate: Double, live: Double)] = []
        if let table = candidate.plans {
            let valuation = PlanValuation(
                catalog: catalog,
                outcomes: outcomes,
                tasks: heldOut.map(\.task),
                policy: policy,
                escalation: EscalationPolicy(rule: .costWeight(costWeight), judge: candidate.escalationJudge)
            )
            let liveUtility = Dictionary(heldOut.map { ($0.task.id, $0.run.utility(costWeight: costWeight)) }) { first, _ in
                first
            }
            // Each domain's plan valued once over every run, kept where it could be played.
            var byDomain: [Domain: [(score: Double, costUSD: Double)?]] = [:]
            for (index, valued) in valuation.tasks.enumerated() {
                let domain = valued.task.domain ?? QueryProfile(query: valued.task.query).inferredDomain
                if byDomain[domain] == nil {
                    byDomain[domain] =
                        table.entries(for: domain)?.first.map { best in
                            valuation.outcomes(
                                of: PlanValuation.Candidate(topology: best.topology, models: best.models),
                                reliability: table.reliabilities(for: domain)
                            )
                        } ?? []
                }
                guard let outcomes = byDomain[domain], index < outcomes.count, let played = outcomes[index],
                    let live = liveUtility[valued.task.id]
                else { continue }
                pairs.append((Utility.of(score: played.score, costUSD: played.costUSD, costWeight: costWeight), live))
            }
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        func interval(_ statistic: @escaping ([Int]) -> Double) -> (low: Double, high: Double) {
            let found = Bootstrap.interval(count: pairs.count, samples: bootstrapSamples, seed: seed, label: "promotion") { chosen in
                chosen.isEmpty ? nil : statistic(chosen)
            }
            return (found.low, found.high)
        }
        let candidateInterval = interval { chosen in mean(chosen.map { pairs[$0].candidate }) }
        let liveInterval = interval { chosen in mean(chosen.map { pairs[$0].live }) }
        let gainInterval = interval { chosen in mean(chosen.map { pairs[$0].candidate - pairs[$0].live }) }
        let candidateMean = mean(pairs.map(\.candidate))
        let liveMean = mean(pairs.map(\.live))
        let runs = Double(pairs.count)
        return PromotionEvidence(
            method: "replay",
            liveVersion: liveVersion,
            candidateVersion: candidate.version,
            trainedOnRuns: trainedOnRuns,
            heldOutRuns: heldOut.count,
            costWeight: costWeight,
            live: .init(utility: liveMean, low: liveInterval.low, high: liveInterval.high, effectiveRuns: runs),
            candidate: .init(utility: candidateMean, low: candidateInterval.low, high: candidateInterval.high, effectiveRuns: runs),
            gain: candidateMean - liveMean,
            gainLow: gainInterval.low,
            gainHigh: gainInterval.high,
            minimumEffectiveRuns: Double(minimumRuns),
            minimumGain: minimumGain,
            promote: passes(runs: pairs.count, gain: candidateMean - liveMean, gainLow: gainInterval.low)
        )
    }

    /// The rule: enough runs, the whole interval of the gain above zero, and a gain worth a change.
    func passes(runs: Int, gain: Double, gainLow: Double) -> Bool {
        runs >= minimumRuns && gainLow > 0 && gain >= minimumGain
    }

    /// Compares a candidate on trial (`ControllerLearner`'s canary) by the utilities of its own runs with those of the
    /// live controller's runs of the same time: requests went to one or the other by a draw from their seed, so the two
    /// are samples of the same traffic, and the gain's interval is the two-sample bootstrap's.
    public func compareCanary(
        candidateVersion: String,
        candidateUtilities: [Double],
        liveVersion: String,
        liveUtilities: [Double],
        trainedOnRuns: Int
    ) -> PromotionEvidence {
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        func interval(_ values: [Double], _ label: String) -> (low: Double, high: Double) {
            let found = Bootstrap.interval(count: values.count, samples: bootstrapSamples, seed: seed, label: label) { chosen in
                chosen.isEmpty ? nil : mean(chosen.map { values[$0] })
            }
            return (found.low, found.high)
        }
        let candidate = interval(candidateUtilities, "canary")
        let live = interval(liveUtilities, "canary, live")
        let gain = Bootstrap.differenceOfMeans(candidateUtilities, liveUtilities, samples: bootstrapSamples, seed: seed, label: "canary gain")
        let difference = mean(candidateUtilities) - mean(liveUtilities)
        return PromotionEvidence(
            method: "canary",
            liveVersion: liveVersion,
            candidateVersion: candidateVersion,
            trainedOnRuns: trainedOnRuns,
            heldOutRuns: candidateUtilities.count + liveUtilities.count,
            costWeight: costWeight,
            live: .init(utility: mean(liveUtilities), low: live.low, high: live.high, effectiveRuns: Double(liveUtilities.count)),
            candidate: .init(
                utility: mean(candidateUtilities),
                low: candidate.low,
                high: candidate.high,
                effectiveRuns: Double(candidateUtilities.count)
            ),
            gain: difference,
            gainLow: gain.low,
            gainHigh: gain.high,
            minimumEffectiveRuns: Double(minimumRuns),
            minimumGain: minimumGain,
            promote: passes(runs: min(candidateUtilities.count, liveUtilities.count), gain: difference, gainLow: gain.low)
        )
    }
}
