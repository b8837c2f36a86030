/// What routing maximises, defined once: utility = score − λ·cost, λ being the utility one US dollar costs
/// (MasRouter's objective). Training, evaluation, the plan table, exploration, the promotion guard, the controllers'
/// usage figures and the benches all compute it here.
public enum Utility {
    /// `score − costWeight · costUSD`.
    public static func of(score: Double, costUSD: Double, costWeight: Double) -> Double {
        score - costWeight * costUSD
    }
}

extension RunResult {
    /// This run's utility at λ = `costWeight`; an unscored run counts as score 0.
    public func utility(costWeight: Double) -> Double {
        Utility.of(score: score ?? 0, costUSD: costUSD, costWeight: costWeight)
    }
}

extension RunRecord {
    /// This stored run's utility at λ = `costWeight`; an unscored run counts as score 0.
    public func utility(costWeight: Double) -> Double {
        Utility.of(score: score ?? 0, costUSD: costUSD, costWeight: costWeight)
    }
}
