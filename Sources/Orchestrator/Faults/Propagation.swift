/// How far injected faults spread in a run.
public enum Propagation {
    /// The share of honest agents whose final answer adopts an injected error: one of the wrong answers pushed,
    /// or, when garbage was injected, no readable answer at all. Nil for a run without faults or honest agents.
    public static func rate(faults: [InjectedFault], finalAnswers: [Int: String], agentCount: Int) -> Double? {
        guard !faults.isEmpty else { return nil }
        let faulty = Set(faults.map(\.agent))
        let honest = (0..<agentCount).filter { !faulty.contains($0) }
        guard !honest.isEmpty else { return nil }
        let wrong = Set(faults.compactMap(\.answer))
        let garbage = faults.contains { $0.kind == .garbage }
        let adopted = honest.filter { agent in
            guard let answer = finalAnswers[agent] else { return garbage }
            return wrong.contains(answer)
        }
        return Double(adopted.count) / Double(honest.count)
    }
}
