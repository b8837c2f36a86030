/// Everything stored about one run: the run row, the controller's decisions, the agents, every model call,
/// every delivery between agents, every verification verdict and the feedback it got.
public struct RunTrace: Sendable, Codable, Equatable {
    public var run: RunRecord
    public var decisions: [DecisionRecord]
    public var agents: [AgentRecord]
    public var messages: [MessageRecord]
    public var deliveries: [DeliveryRecord]
    public var verifications: [VerificationRecord]
    /// A cascade's escalation decisions, one per level judged.
    public var escalations: [EscalationRecord]
    /// Scores given to the run after it ran, oldest first; the latest counts.
    public var feedback: [FeedbackRecord]

    public init(
        run: RunRecord,
        decisions: [DecisionRecord],
        agents: [AgentRecord],
        messages: [MessageRecord],
        deliveries: [DeliveryRecord],
        verifications: [VerificationRecord],
        escalations: [EscalationRecord] = [],
        feedback: [FeedbackRecord] = []
    ) {
        self.run = run
        self.decisions = decisions
        self.agents = agents
        self.messages = messages
        self.deliveries = deliveries
        self.verifications = verifications
        self.escalations = escalations
        self.feedback = feedback
    }

    /// The steps that have messages, in order.
    public var steps: [Int] {
        Array(Set(messages.map(\.step))).sorted()
    }
}

/// A run id (or the start of one) that names no run, or more than one.
public struct RunLookupError: Error, Sendable, CustomStringConvertible {
    public var reference: String
    /// The runs the reference could mean, when there are several.
    public var candidates: [String]

    public var description: String {
        if candidates.isEmpty && reference.count < 4 {
            return "no run with the id '\(reference)'; give at least 4 characters of a run id (orchestrate traces list shows the runs)"
        }
        if candidates.isEmpty {
            return "no run with an id starting or ending with '\(reference)' in the trace database (orchestrate traces list shows the runs)"
        }
        return
            "'\(reference)' could be any of \(candidates.count) runs (\(candidates.prefix(5).joined(separator: ", "))\(candidates.count > 5 ? ", …" : "")); give more of the id"
    }
}
