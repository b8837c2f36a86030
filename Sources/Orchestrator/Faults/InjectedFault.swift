import Foundation

/// A fault as it was applied in one run: the agent, the kind, and the wrong answer it pushed.
public struct InjectedFault: Sendable, Codable, Equatable {
    /// The faulty agent's position in the plan.
    public var agent: Int
    public var kind: FaultSpec.Kind
    /// The normalised wrong answer it states; nil for garbage.
    public var answer: String?

    public init(agent: Int, kind: FaultSpec.Kind, answer: String?) {
        self.agent = agent
        self.kind = kind
        self.answer = answer
    }
}

extension InjectedFault {
    /// Faults as the trace keeps them: a JSON array, or nil for none.
    static func json(_ faults: [InjectedFault]) throws -> String? {
        guard !faults.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(faults), as: UTF8.self)
    }
}
