/// One agent's finished turn, told as the run goes (`Orchestrator.run(_:seed:progress:)`): who answered what, and
/// what the checks made of it. `serve` streams these as progress chunks.
public struct AgentProgress: Sendable, Codable, Equatable {
    public var runID: String
    public var step: Int
    public var agent: Int
    public var role: String
    /// The model that answered (a fallback's, when one did), or the planned one when none did.
    public var model: String
    /// The answer read from the reply; nil when the turn gave none.
    public var answer: String?
    /// Each check of the reply and what it found (`passed`, `failed`, …).
    public var verdicts: [Verdict]
    /// Why the turn gave no reply.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case step, agent, role, model, answer, verdicts, error
        case runID = "run_id"
    }

    /// One check's outcome.
    public struct Verdict: Sendable, Codable, Equatable {
        public var check: String
        public var outcome: String
    }
}
