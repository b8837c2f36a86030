extension Topology {
    /// The rounds a plan of this topology runs: its default, capped by its maximum and the task's budget.
    public func rounds(within budget: Budget) -> Int {
        max(1, min(defaultRounds, maxRounds, budget.maxRounds ?? Int.max))
    }
}
