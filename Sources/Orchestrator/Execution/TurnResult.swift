/// The result of one agent's turn in a step, over all its attempts, fallbacks and re-asks.
struct TurnResult<Output: Sendable>: Sendable {
    var agent: Int
    /// What the agent said; nil when no attempt answered.
    var output: Output?
    var usage = TokenUsage()
    var costUSD = 0.0
    /// Why the turn gave no message.
    var error: String?
    var deadlineExceeded = false
    /// Model calls made, retries and fallbacks included.
    var calls = 0
    var retries = 0
    var fallbacks = 0
    /// Extra calls made for verification (re-asks), and their cost (included in `costUSD`).
    var verificationCalls = 0
    var verificationCostUSD = 0.0

    /// Adds a `ModelCaller` call's attempts, usage and cost.
    mutating func add<Recorded>(_ call: ModelCaller.Outcome<Recorded>) {
        calls += call.calls
        retries += call.retries
        fallbacks += call.fallbacks
        usage = usage + call.usage
        costUSD += call.costUSD
        deadlineExceeded = deadlineExceeded || call.deadlineExceeded
    }
}
