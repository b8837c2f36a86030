import Foundation

/// What the promotion guard measured when it compared a candidate controller with the live one on stored runs the
/// candidate was not trained on: each one's off-policy estimate of utility with its 95% interval, the paired
/// difference with its interval, and the verdict.
public struct PromotionEvidence: Sendable, Codable, Equatable {
    /// An estimate of mean utility (score − λ × cost) with its 95% bootstrap interval and the number of runs it rests on.
    public struct Estimate: Sendable, Codable, Equatable {
        public var utility: Double
        public var low: Double
        public var high: Double
        public var effectiveRuns: Double
    }

    /// How the candidate was valued: `replay` (its plans played on the live controller's runs' answers) or `canary`
    /// (its own runs, planning a share of the requests, against the live controller's of the same time).
    public var method: String
    public var liveVersion: String
    public var candidateVersion: String
    /// The runs the candidate was trained on, and the newer ones of the live controller it was compared on (of which
    /// `candidate.effectiveRuns` could be valued for it).
    public var trainedOnRuns: Int
    public var heldOutRuns: Int
    /// λ of the utility.
    public var costWeight: Double
    public var live: Estimate
    public var candidate: Estimate
    /// Candidate − live, paired over the same resampled runs.
    public var gain: Double
    public var gainLow: Double
    public var gainHigh: Double
    /// The guard's rule: promote when `gainLow` > 0, `gain` ≥ `minimumGain` and the estimates rest on at least
    /// `minimumEffectiveRuns` runs.
    public var minimumEffectiveRuns: Double
    public var minimumGain: Double
    public var promote: Bool

    /// The verdict in words.
    public var summary: String {
        let basis =
            method == "canary"
            ? "on \(Int(candidate.effectiveRuns)) runs of its own as a canary against \(Int(live.effectiveRuns)) of the live controller's: "
            : "on \(Int(candidate.effectiveRuns)) of \(heldOutRuns) held-out runs: "
        let figures =
            "\(candidateVersion) \(Self.format(candidate.utility)) (\(Self.format(candidate.low)) to \(Self.format(candidate.high))) "
            + "against \(liveVersion) \(Self.format(live.utility)) (\(Self.format(live.low)) to \(Self.format(live.high))) " + basis
            + "gain \(Self.format(gain)) (\(Self.format(gainLow)) to \(Self.format(gainHigh)))"
        if promote { return figures + " → promoted" }
        if candidate.effectiveRuns < minimumEffectiveRuns {
            return figures + " → kept \(liveVersion): the estimate rests on fewer than \(Int(minimumEffectiveRuns)) runs"
        }
        if gainLow > 0 { return figures + " → kept \(liveVersion): a gain below \(Self.format(minimumGain)) is not worth a change" }
        return figures + " → kept \(liveVersion): the gain is within the estimate's uncertainty"
    }

    /// The evidence as the store keeps it: JSON, keys sorted.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        return (rounded >= 0 ? "+" : "") + String(rounded)
    }
}
