/// A fault to inject into a run, as a task file or the command line asks for it: which agent, what it does.
///
/// A faulty agent calls no model: it sends the fault's message in every step it acts in, so how far its error
/// spreads can be measured with verification on and off.
public struct FaultSpec: Sendable, Codable, Equatable {
    /// The kinds of fault.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A fixed wrong answer, stated bare: `Answer: 13`.
        case wrongAnswer = "wrong-answer"
        /// Output with no readable answer.
        case garbage
        /// A wrong answer argued with confidence and arithmetic that looks like working.
        case persuasive
    }

    /// Which agent is faulty.
    public enum Target: Sendable, Equatable, Hashable {
        /// The agent at this position of the plan.
        case agent(Int)
        /// An agent drawn from the run's seed among those whose messages reach others.
        case random
    }

    public var target: Target
    public var kind: Kind
    /// The wrong answer to push; nil draws one from the run's seed that differs from the expected answer.
    public var value: String?

    public init(target: Target, kind: Kind, value: String? = nil) {
        self.target = target
        self.kind = kind
        self.value = value
    }

    /// Parses the command line's form: `KIND`, `KIND@AGENT` or `KIND@random`, optionally `=VALUE` at the end.
    public init(argument: String) throws(FieldError) {
        var rest = Substring(argument)
        var value: String?
        if let equals = rest.firstIndex(of: "=") {
            value = String(rest[rest.index(after: equals)...])
            rest = rest[..<equals]
            if value?.isEmpty == true {
                throw FieldError(field: "--inject", problem: "expected a value after '=', got \"\(argument)\"")
            }
        }
        var target = Target.random
        if let at = rest.firstIndex(of: "@") {
            let where_ = rest[rest.index(after: at)...]
            if where_ == "random" {
                target = .random
            } else if let index = Int(where_), (0..<Budget.agentLimit).contains(index) {
                target = .agent(index)
            } else {
                throw FieldError(
                    field: "--inject",
                    problem: "expected an agent index from 0 to \(Budget.agentLimit - 1) or 'random' after '@', got \"\(where_)\""
                )
            }
            rest = rest[..<at]
        }
        guard let kind = Kind(rawValue: String(rest)) else {
            let names = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: "--inject", problem: "expected one of \(names) (as KIND[@AGENT|@random][=VALUE]), got \"\(rest)\"")
        }
        self.init(target: target, kind: kind, value: value)
    }
}

extension FaultSpec.Target: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let index = try? container.decode(Int.self) {
            self = .agent(index)
        } else {
            let text = try container.decode(String.self)
            guard text == "random" else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an agent index or \"random\", got \"\(text)\"")
            }
            self = .random
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .agent(let index): try container.encode(index)
        case .random: try container.encode("random")
        }
    }
}
