/// Validates a topology file. See `Workflows/README.md` for the format.
enum TopologyFileParser {
    static let topologyFields: Set<String> = [
        "name", "description", "agents", "rounds", "style", "aggregate", "decider", "cascade", "prior", "phases",
    ]
    static let rangeFields: Set<String> = ["min", "max"]
    static let roundFields: Set<String> = ["default", "max"]
    static let priorFields: Set<String> = ["easy", "hard"]
    static let stepFields: Set<String> = ["select", "inputs", "repeat", "width"]
    static let blockFields: Set<String> = ["block", "repeat"]
    static let selections = ["all", "first", "last", "all-but-last", "all-but-first", "each-in-order", "layers"]

    static func parse(_ value: JSONValue, file: String) throws(CatalogError) -> Topology {
        do throws(FieldError) {
            let reader = try JSONObjectReader(value, allowed: topologyFields)
            let name = try reader.requiredString("name")
            guard let agentsReader = try reader.object("agents", allowed: rangeFields),
                let minimum = try agentsReader.integer("min", in: 1...Budget.agentLimit),
                let maximum = try agentsReader.integer("max", in: 1...Budget.agentLimit)
            else {
                throw FieldError(field: "agents", problem: "expected {\"min\": N, \"max\": M} with 1 ≤ N ≤ M ≤ \(Budget.agentLimit)")
            }
            guard minimum <= maximum else {
                throw FieldError(field: "agents.max", problem: "expected at least agents.min (\(minimum)), got \(maximum)")
            }
            var defaultRounds = 1
            var maxRounds = 1
            if let rounds = try reader.object("rounds", allowed: roundFields) {
                defaultRounds = try rounds.integer("default", in: 1...Budget.roundLimit) ?? 1
                maxRounds = try rounds.integer("max", in: 1...Budget.roundLimit) ?? defaultRounds
                guard defaultRounds <= maxRounds else {
                    throw FieldError(field: "rounds.max", problem: "expected at least rounds.default (\(defaultRounds)), got \(maxRounds)")
                }
            }
            guard let aggregation = try reader.oneOf("aggregate", as: Topology.Aggregation.self) else {
                throw FieldError(field: "aggregate", problem: "missing; expected final-agent or vote")
            }
            var prior = TopologyPrior(easy: 0, hard: 0)
            if let priorReader = try reader.object("prior", allowed: priorFields) {
                prior = TopologyPrior(
                    easy: try priorReader.number("easy", in: -20...20) ?? 0,
                    hard: try priorReader.number("hard", in: -20...20) ?? 0
                )
            }
            guard let items = try reader.array("phases"), !items.isEmpty else {
                throw FieldError(field: "phases", problem: "expected a non-empty array of phases")
            }
            let phases = try parsePhases(items, path: "phases")
            return Topology(
                name: name,
                description: try reader.requiredString("description"),
                agents: minimum...maximum,
                defaultRounds: defaultRounds,
                maxRounds: maxRounds,
                style: try reader.oneOf("style", as: Topology.PromptStyle.self) ?? .direct,
                aggregation: aggregation,
                hasDecider: try reader.bool("decider") ?? false,
                cascade: try cascadeRule(reader),
                prior: prior,
                phases: phases
            )
        } catch {
            throw CatalogError(file: file, field: error.field, problem: error.problem)
        }
    }

    /// `cascade`: absent or false for none, true or "judge" for levels gated by the escalation judge, "agreement" for
    /// levels whose agents' agreed answer stands.
    private static func cascadeRule(_ reader: JSONObjectReader) throws(FieldError) -> Topology.CascadeRule? {
        switch reader.fields["cascade"] {
        case nil, .bool(false)?, .null?: return nil
        case .bool(true)?: return .judge
        case .string(let name)? where Topology.CascadeRule(rawValue: name) != nil: return Topology.CascadeRule(rawValue: name)
        case let other?:
            throw FieldError(field: reader.qualified("cascade"), problem: "expected true, false, \"judge\" or \"agreement\", got \(other.preview)")
        }
    }

    private static func parsePhases(_ items: [JSONValue], path: String) throws(FieldError) -> [TopologyPhase] {
        var phases: [TopologyPhase] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if case .object(let fields) = item, fields["block"] != nil {
                let reader = try JSONObjectReader(item, path: itemPath, allowed: blockFields)
                guard let inner = try reader.array("block"), !inner.isEmpty else {
                    throw FieldError(field: reader.qualified("block"), problem: "expected a non-empty array of phases")
                }
                phases.append(.block(phases: try parsePhases(inner, path: reader.qualified("block")), repeatCount: try repeatCount(reader)))
                continue
            }
            let reader = try JSONObjectReader(item, path: itemPath, allowed: stepFields)
            guard let inputs = try reader.oneOf("inputs", as: InputRule.self) else {
                throw FieldError(
                    field: reader.qualified("inputs"),
                    problem: "missing; expected one of \(InputRule.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            phases.append(.step(selection: try selection(reader), inputs: inputs, repeatCount: try repeatCount(reader)))
        }
        return phases
    }

    private static func selection(_ reader: JSONObjectReader) throws(FieldError) -> AgentSelection {
        let width = try reader.integer("width", in: 1...Budget.agentLimit)
        switch try reader.string("select") {
        case "all": return .all
        case "first": return .first
        case "last": return .last
        case "all-but-last": return .allButLast
        case "all-but-first": return .allButFirst
        case "each-in-order": return .eachInOrder
        case "layers": return .layers(width: width)
        case let other:
            let got = other.map { "\"\($0)\"" } ?? "nothing"
            throw FieldError(field: reader.qualified("select"), problem: "expected one of \(selections.joined(separator: ", ")), got \(got)")
        }
    }

    private static func repeatCount(_ reader: JSONObjectReader) throws(FieldError) -> RepeatCount {
        let problem = "expected a whole number, \"rounds\" or \"rounds-N\""
        switch reader.fields["repeat"] {
        case nil, .null?:
            return .times(1)
        case .number(let number)?:
            guard number.rounded() == number, (0...Double(Budget.roundLimit)).contains(number) else {
                throw FieldError(field: reader.qualified("repeat"), problem: "\(problem), got \(number)")
            }
            return .times(Int(number))
        case .string(let text)?:
            if text == "rounds" { return .rounds(minus: 0) }
            if text.hasPrefix("rounds-"), let minus = Int(text.dropFirst("rounds-".count)), minus >= 0 {
                return .rounds(minus: minus)
            }
            throw FieldError(field: reader.qualified("repeat"), problem: "\(problem), got \"\(text)\"")
        case let other?:
            throw FieldError(field: reader.qualified("repeat"), problem: "\(problem), got \(other.typeName)")
        }
    }
}
