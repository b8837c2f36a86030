import Foundation

/// Reads task files: one task as JSON (`.json`) or a batch as JSON Lines (`.jsonl`, one task a line). A file of
/// recorded outcomes (`RecordedOutcomesFile`, its lines carrying `outcomes`) reads as the task set of its questions.
///
/// Validation is strict and whole-file: every task is checked (unknown fields, types, ranges, and names
/// pinned in constraints against the catalogue) before any is returned, so a bad file starts no run.
public struct TaskParser: Sendable {
    /// The catalogue that pinned names are checked against; `nil` skips those checks.
    public var catalog: Catalog?

    public init(catalog: Catalog?) {
        self.catalog = catalog
    }

    static let taskFields: Set<String> = ["id", "query", "domain", "answerKind", "expected", "budget", "constraints", "faults", "tests"]
    static let testFields: Set<String> = ["language", "source", "timeoutSeconds", "memoryMegabytes"]
    static let faultFields: Set<String> = ["agent", "kind", "value"]
    static let expectedFields: Set<String> = ["value", "kind"]
    static let budgetFields: Set<String> = ["maxCostUSD", "maxAgents", "maxRounds", "deadlineSeconds"]
    static let constraintFields: Set<String> = ["topology", "agentCount", "roles", "models"]

    /// Loads every task of a file.
    public func load(path: String) throws(TaskFileError) -> [OrchestrationTask] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TaskFileError(file: path, line: 1, field: nil, problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text: text, file: path)
    }

    /// Parses the text of a task file; `file` decides the format (`.jsonl` or `.ndjson` is a batch) and names errors.
    public func parse(text: String, file: String) throws(TaskFileError) -> [OrchestrationTask] {
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        if file.hasSuffix(".jsonl") || file.hasSuffix(".ndjson") {
            // A file of recorded outcomes is a task set too: its questions, with what was recorded of their answers.
            let firstLine = text.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            if let firstLine, RecordedOutcomesFile.isRecordedTask(firstLine) {
                return try RecordedOutcomesFile.parse(text: text, path: file).tasks
            }
            var tasks: [OrchestrationTask] = []
            var firstLineOfID: [String: Int] = [:]
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { continue }
                let number = index + 1
                let value: JSONValue
                do throws(JSONSyntaxError) {
                    value = try JSONValue.parse(trimmed)
                } catch {
                    throw TaskFileError(file: file, line: number, field: nil, problem: error.reason)
                }
                let parsed: OrchestrationTask
                do throws(FieldError) {
                    parsed = try task(from: value, defaultID: "\(baseName)-\(number)")
                } catch {
                    throw TaskFileError(file: file, line: number, field: error.field, problem: error.problem)
                }
                if let first = firstLineOfID[parsed.id] {
                    throw TaskFileError(
                        file: file,
                        line: number,
                        field: "id",
                        problem: "expected a unique id, got \"\(parsed.id)\" (already on line \(first))"
                    )
                }
                firstLineOfID[parsed.id] = number
                tasks.append(parsed)
            }
            if tasks.isEmpty {
                throw TaskFileError(file: file, line: 1, field: nil, problem: "no tasks; expected one JSON object a line")
            }
            return tasks
        }
        let document: JSONParser.Document
        do throws(JSONSyntaxError) {
            document = try JSONValue.document(text)
        } catch {
            throw TaskFileError(file: file, line: error.line, field: nil, problem: error.reason)
        }
        do throws(FieldError) {
            return [try task(from: document.value, defaultID: baseName)]
        } catch {
            throw TaskFileError(file: file, line: document.line(of: error.field), field: error.field, problem: error.problem)
        }
    }

    /// Validates one task object.
    public func task(from value: JSONValue, defaultID: String) throws(FieldError) -> OrchestrationTask {
        let reader = try JSONObjectReader(value, allowed: Self.taskFields)
        let id = try reader.string("id") ?? defaultID
        let query = try reader.requiredString("query")
        let domain = try reader.oneOf("domain", as: Domain.self)
        let declaredKind = try reader.oneOf("answerKind", as: AnswerKind.self)
        var expected: ExpectedAnswer?
        if let object = try reader.object("expected", allowed: Self.expectedFields) {
            expected = try Self.expectedAnswer(object)
        }
        var budget = Budget()
        if let object = try reader.object("budget", allowed: Self.budgetFields) {
            budget.maxCostUSD = try object.number("maxCostUSD", in: 0.000_001...1_000_000)
            budget.maxAgents = try object.integer("maxAgents", in: 1...Budget.agentLimit)
            budget.maxRounds = try object.integer("maxRounds", in: 1...Budget.roundLimit)
            budget.deadlineSeconds = try object.number("deadlineSeconds", in: 0.001...86_400)
        }
        var constraints = Constraints()
        if let object = try reader.object("constraints", allowed: Self.constraintFields) {
            constraints.topology = try object.string("topology")
            constraints.agentCount = try object.integer("agentCount", in: 1...Budget.agentLimit)
            constraints.roles = try object.strings("roles")
            constraints.models = try object.strings("models")
            if let roles = constraints.roles, roles.isEmpty {
                throw FieldError(field: "constraints.roles", problem: "expected at least one role name")
            }
            if let models = constraints.models, models.isEmpty {
                throw FieldError(field: "constraints.models", problem: "expected at least one model name")
            }
        }
        let faults = try (reader.array("faults") ?? []).enumerated().map { (index, item) throws(FieldError) in
            try Self.fault(item, path: "faults[\(index)]")
        }
        var tests: CodeTests?
        if let object = try reader.object("tests", allowed: Self.testFields) {
            let language = try object.string("language") ?? "python"
            guard CodeTests.languages.contains(language) else {
                throw FieldError(
                    field: "tests.language",
                    problem: "expected one of \(CodeTests.languages.joined(separator: ", ")), got \"\(language)\""
                )
            }
            tests = CodeTests(
                language: language,
                source: try object.requiredString("source"),
                timeoutSeconds: try object.number("timeoutSeconds", in: 0.1...600) ?? 10,
                memoryMegabytes: try object.integer("memoryMegabytes", in: 16...65_536) ?? 512
            )
        }
        let task = OrchestrationTask(
            id: id,
            query: query,
            domain: domain,
            expected: expected,
            budget: budget,
            constraints: constraints,
            faults: faults,
            tests: tests,
            declaredAnswerKind: declaredKind
        )
        try checkConsistency(task)
        if let catalog {
            try catalog.validatePins(of: task)
        }
        return task
    }

    private static func fault(_ value: JSONValue, path: String) throws(FieldError) -> FaultSpec {
        let object = try JSONObjectReader(value, path: path, allowed: faultFields)
        guard let kind = try object.oneOf("kind", as: FaultSpec.Kind.self) else {
            let names = FaultSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: "\(path).kind", problem: "missing; expected one of \(names)")
        }
        let target: FaultSpec.Target
        switch object.fields["agent"] {
        case nil, .null?, .string("random")?:
            target = .random
        case .number?:
            target = .agent(try object.integer("agent", in: 0...(Budget.agentLimit - 1)) ?? 0)
        case let other?:
            throw FieldError(field: "\(path).agent", problem: "expected an agent index or \"random\", got \(other.preview)")
        }
        let answer: String?
        switch object.fields["value"] {
        case nil, .null?: answer = nil
        case .string(let text)? where !text.isEmpty: answer = text
        case .number(let number)?: answer = JSONValue.number(number).preview
        case let other?: throw FieldError(field: "\(path).value", problem: "expected the wrong answer as a string or number, got \(other.preview)")
        }
        return FaultSpec(target: target, kind: kind, value: answer)
    }

    static func expectedAnswer(_ object: JSONObjectReader) throws(FieldError) -> ExpectedAnswer {
        guard let kind = try object.oneOf("kind", as: AnswerKind.self) else {
            let names = AnswerKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: "expected.kind", problem: "missing; expected one of \(names)")
        }
        let value: String
        switch object.fields["value"] {
        case .string(let text) where !text.trimmingCharacters(in: .whitespaces).isEmpty: value = text
        case .number(let number): value = JSONValue.number(number).preview
        case nil, .null?: throw FieldError(field: "expected.value", problem: "missing; expected the answer as a string or number")
        case let other?: throw FieldError(field: "expected.value", problem: "expected a non-empty string or a number, got \(other.preview)")
        }
        switch kind {
        case .number where AnswerExtractor.parseNumber(value) == nil:
            throw FieldError(field: "expected.value", problem: "expected a number for kind 'number', got \"\(value)\"")
        case .choice where AnswerExtractor.choiceLetter(value) == nil:
            throw FieldError(field: "expected.value", problem: "expected a single letter A to J for kind 'choice', got \"\(value)\"")
        default:
            return ExpectedAnswer(value: value, kind: kind)
        }
    }

    private func checkConsistency(_ task: OrchestrationTask) throws(FieldError) {
        for (index, fault) in task.faults.enumerated() {
            if let value = fault.value, AnswerExtractor.normalise(value, kind: task.answerKind) == nil {
                throw FieldError(
                    field: "faults[\(index)].value",
                    problem: "expected an answer of the task's kind '\(task.answerKind.rawValue)', got \"\(value)\""
                )
            }
        }
        let pins = task.constraints
        if let roles = pins.roles, let count = pins.agentCount, roles.count != count {
            throw FieldError(field: "constraints.roles", problem: "expected \(count) roles to match constraints.agentCount, got \(roles.count)")
        }
        if let limit = task.budget.maxAgents {
            if let count = pins.agentCount, count > limit {
                throw FieldError(field: "constraints.agentCount", problem: "expected at most budget.maxAgents (\(limit)), got \(count)")
            }
            if let roles = pins.roles, roles.count > limit {
                throw FieldError(field: "constraints.roles", problem: "expected at most budget.maxAgents (\(limit)) roles, got \(roles.count)")
            }
        }
    }
}
