/// A role an agent plays: a system prompt and a description the controller matches queries against.
public struct Role: Sendable, Codable, Equatable {
    /// A unique name, conventionally `domain.role`.
    public var name: String
    /// The domain the role belongs to (`general` for roles of any domain).
    public var domain: Domain
    /// What the role does; embedded as its feature.
    public var description: String
    /// The system prompt an agent in this role receives.
    public var systemPrompt: String
    /// True for roles that take the final decision from other agents' messages (judges, aggregators).
    public var isDecision: Bool

    public init(name: String, domain: Domain, description: String, systemPrompt: String, isDecision: Bool = false) {
        self.name = name
        self.domain = domain
        self.description = description
        self.systemPrompt = systemPrompt
        self.isDecision = isDecision
    }
}
