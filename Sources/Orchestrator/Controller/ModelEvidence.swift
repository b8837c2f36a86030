import Foundation

/// What this process has seen of each model per domain: scored answers and what they cost. Where nothing tells the
/// prior a model's quality in a domain (no quality table, no calibration, no plans learned), it explores with it:
/// each agent's model is drawn by Thompson sampling — a share of right answers drawn from each model's Beta posterior,
/// less λ times its mean cost — so an unknown fleet is neither sent wholesale to its cheapest model nor ranked by
/// price, and what the runs score moves the draws towards the models that earn their cost.
public actor ModelEvidence {
    /// One model's record in one domain.
    public struct Tally: Sendable, Equatable {
        public var right = 0
        public var answered = 0
        public var costUSD = 0.0
        /// Calls whose cost is in `costUSD`.
        public var calls = 0

        public init() {}

        /// The mean cost of a call, when any was seen.
        public var meanCostUSD: Double? { calls > 0 ? costUSD / Double(calls) : nil }
    }

    private var tallies: [Domain: [String: Tally]] = [:]

    public init() {}

    /// Counts one scored answer of `model` in `domain`, with what its call cost.
    public func record(domain: Domain, model: String, correct: Bool?, costUSD: Double?) {
        var tally = tallies[domain, default: [:]][model] ?? Tally()
        if let correct {
            tally.answered += 1
            if correct { tally.right += 1 }
        }
        if let costUSD {
            tally.costUSD += costUSD
            tally.calls += 1
        }
        tallies[domain, default: [:]][model] = tally
    }

    /// Every model's record in a domain.
    public func snapshot(_ domain: Domain) -> [String: Tally] {
        tallies[domain] ?? [:]
    }
}

extension ModelEvidence.Tally {
    /// A share of right answers drawn from the Beta(1 + right, 1 + wrong) posterior.
    func drawAccuracy(using random: inout SeededGenerator) -> Double {
        let right = Self.gamma(shape: Double(1 + self.right), using: &random)
        let wrong = Self.gamma(shape: Double(1 + answered - self.right), using: &random)
        return right / max(right + wrong, .leastNonzeroMagnitude)
    }

    /// A Gamma(shape, 1) draw (Marsaglia and Tsang; shape ≥ 1).
    static func gamma(shape: Double, using random: inout SeededGenerator) -> Double {
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0
            var v = 0.0
            repeat {
                x = normal(using: &random)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = random.nextUnit()
            if u < 1 - 0.0331 * x * x * x * x || log(max(u, .leastNonzeroMagnitude)) < 0.5 * x * x + d * (1 - v + log(v)) {
                return d * v
            }
        }
    }

    /// A standard normal draw (Box–Muller).
    static func normal(using random: inout SeededGenerator) -> Double {
        let u = max(random.nextUnit(), .leastNonzeroMagnitude)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * random.nextUnit())
    }
}
