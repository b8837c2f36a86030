/// Decides, for one receiver in one step, what it gets of each neighbour's latest message under a policy:
/// a message that failed its checks is withheld or marked unverified, a quarantined sender's message is kept
/// back, and answers that conflict among what is delivered become a dispute for the receiver to resolve.
enum DeliveryPlanner {
    static func deliveries(
        from inputs: [(sender: Int, output: Executor.AgentOutput)],
        policy: VerificationPolicy,
        quarantined: Set<Int>
    ) -> [Delivery] {
        guard policy.checks else {
            return inputs.map { Delivery(sender: $0.sender, output: $0.output, verdict: .unchecked, detail: nil) }
        }
        var deliveries = inputs.map { sender, output -> Delivery in
            let (verdict, detail) = verdict(of: output.checks, senderQuarantined: quarantined.contains(sender), policy: policy)
            return Delivery(sender: sender, output: output, verdict: verdict, detail: detail)
        }
        let shown = deliveries.filter { $0.verdict.isDelivered && $0.output.answer != nil }
        let distinct = Set(shown.compactMap(\.output.answer))
        guard distinct.count > 1 else { return deliveries }
        let summary = disputeSummary(shown)
        for index in deliveries.indices where deliveries[index].verdict == .verified && deliveries[index].output.answer != nil {
            deliveries[index].verdict = .disputed
            deliveries[index].detail = "answers differ: \(summary)"
        }
        return deliveries
    }

    /// What a receiver is told of one message from its checks, before consistency with the other inputs: a
    /// quarantined sender's message is kept back, a failing one withheld (or shown unverified under `check`), one
    /// that could not be vouched for shown unverified, the rest verified.
    static func verdict(of checks: [CheckResult], senderQuarantined: Bool, policy: VerificationPolicy) -> (DeliveryVerdict, String?) {
        guard policy.checks else { return (.unchecked, nil) }
        if senderQuarantined { return (.quarantined, "sender quarantined after repeated failed checks") }
        if checks.hasFailure { return (policy.quarantines ? .withheld : .unverified, checks.doubts) }
        if checks.hasDoubt { return (.unverified, checks.doubts) }
        return (.verified, nil)
    }

    /// `72 (agents 1, 3) · 73 (agent 4)`, answers in order of first appearance.
    static func disputeSummary(_ deliveries: [Delivery]) -> String {
        var order: [String] = []
        var holders: [String: [Int]] = [:]
        for delivery in deliveries {
            guard let answer = delivery.output.answer else { continue }
            if holders[answer] == nil { order.append(answer) }
            holders[answer, default: []].append(delivery.sender)
        }
        return order.map { answer in
            let agents = holders[answer] ?? []
            return "\(answer) (agent\(agents.count == 1 ? "" : "s") \(agents.map(String.init).joined(separator: ", ")))"
        }.joined(separator: " · ")
    }
}
