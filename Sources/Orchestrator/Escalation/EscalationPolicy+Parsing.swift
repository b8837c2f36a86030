extension EscalationPolicy.Rule {
    /// Reads `lambda:λ`, `share:S` or `threshold:P` (S and P in [0, 1], λ ≥ 0); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]), value.isFinite else { return nil }
        switch parts[0] {
        case "lambda" where value >= 0: self = .costWeight(value)
        case "share" where (0...1).contains(value): self = .share(value)
        case "threshold" where (0...1).contains(value): self = .threshold(value)
        default: return nil
        }
    }

    /// What `init(parsing:)` reads.
    public static let syntax = "lambda:λ (λ ≥ 0), share:S or threshold:P (S, P between 0 and 1)"

    /// The rule as `init(parsing:)` reads it.
    public var argument: String {
        switch self {
        case .costWeight(let lambda): "lambda:\(lambda)"
        case .share(let share): "share:\(share)"
        case .threshold(let threshold): "threshold:\(threshold)"
        }
    }
}
