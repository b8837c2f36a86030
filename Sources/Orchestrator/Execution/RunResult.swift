/// The outcome of one run, as the caller sees it; the trace store holds the full record.
public struct RunResult: Sendable, Codable, Equatable {
    public var runID: String
    public var taskID: String
    public var status: RunStatus
    /// Why a budget ended the run early, when it did.
    public var stopReason: String?
    /// What went wrong, for a failed run.
    public var error: String?
    /// The final answer, normalised for its kind.
    public var answer: String?
    /// The expected answer, when the task has one.
    public var expected: String?
    /// 1 or 0 against the expected answer (or, for recorded outcomes without one, the recorded judgement); nil otherwise.
    public var score: Double?
    /// The plan, when planning succeeded.
    public var plan: Plan?
    /// Each agent's latest answer, by position.
    public var agentAnswers: [AgentAnswer]
    public var usage: TokenUsage
    public var costUSD: Double
    public var wallSeconds: Double
    /// The number of model calls recorded, retries and fallbacks included.
    public var messageCount: Int
    /// Calls retried after a retryable failure.
    public var retries: Int
    /// Calls that went to a fallback model.
    public var fallbacks: Int
    /// What verification did, and how far injected faults spread.
    public var verification: VerificationSummary
    public var fleet: String
    /// True when any model of the fleet is simulated.
    public var simulated: Bool
    /// The seed, as decimal text.
    public var seed: String
    /// A cascade's escalation decisions, one per level judged; empty for other topologies.
    public var escalations: [EscalationDecision] = []
    /// Every message the run recorded (model calls, retries and fallbacks, injected faults' messages), in order.
    public var calls: [Call] = []

    /// One recorded message, as counted in metrics: its model and what it cost.
    public struct Call: Sendable, Codable, Equatable {
        public var model: String
        /// Whether a reply came (no error).
        public var answered: Bool
        public var latencyMilliseconds: Double
        public var costUSD: Double
        public var promptTokens: Int
        public var completionTokens: Int
    }

    /// What verification did in a run.
    public struct VerificationSummary: Sendable, Codable, Equatable {
        public var policy: VerificationPolicy
        /// The faults injected, as applied.
        public var faults: [InjectedFault]
        /// The share of honest agents whose final answer adopts an injected error; nil without faults.
        public var propagationRate: Double?
        /// Messages that failed a check or could not be vouched for.
        public var flaggedMessages: Int
        /// Deliveries kept from their receiver.
        public var withheldDeliveries: Int
        /// Agents cut from the graph, in the order they were cut.
        public var quarantinedAgents: [Int]
        /// Extra model calls for verification (re-asks) and their cost, included in the run's cost.
        public var calls: Int
        public var costUSD: Double
    }

    /// One agent's latest answer.
    public struct AgentAnswer: Sendable, Codable, Equatable {
        public var index: Int
        public var role: String
        public var model: String
        public var answer: String?
    }
}
