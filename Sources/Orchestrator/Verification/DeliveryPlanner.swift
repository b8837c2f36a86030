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
            if quarantined.contains(sender) {
                return Delivery(sender: sender, output: output, verdict: .quarantined, detail: "sender quarantined after repeated failed checks")
            }
            if output.checks.hasFailure {
                return Delivery(sender: sender, output: output, verdict: policy.quarantines ? .withheld : .unverified, detail: output.checks.doubts)
            }
            if output.checks.hasDoubt {
                return Delivery(sender: sender, output: output, verdict: .unverified, detail: output.checks.doubts)
            }
            return Delivery(sender: sender, output: output, verdict: .verified, detail: nil)
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

    /// The consistency verdicts worth keeping in the trace: one per disputed delivery.
    static func consistencyRecords(_ deliveries: [Delivery], runID: String, receiver: Int) -> [VerificationRecord] {
        deliveries.filter { $0.verdict == .disputed }.map {
            VerificationRecord(
                id: nil,
                runID: runID,
                messageID: $0.output.messageID,
                receiverIndex: receiver,
                checkName: CheckResult.Check.consistency.rawValue,
                outcome: CheckResult.Outcome.disputed.rawValue,
                detail: $0.detail ?? ""
            )
        }
    }
}
