import Foundation

/// Recorded outcomes of any number of models in one general format: JSON Lines, one task a line.
///
/// ```json
/// {"id": "gsm8k-0001", "dataset": "gsm8k", "query": "…", "domain": "math",
///  "expected": {"value": "18", "kind": "number"},
///  "outcomes": {"gpt-4-1106-preview": {"correct": true, "response": "…", "promptTokens": 120, "completionTokens": 85, "costUSD": 0.00375},
///               "mixtral-8x7b": {"correct": false}}}
/// ```
///
/// `id`, `query` and `outcomes` (at least one model, each with `correct`) are required; `dataset` defaults to the
/// file's name, `domain` to `general`; `expected`, `answerKind` (how answers are read when no expected answer is
/// known), `response`, the token counts and the cost are optional. The
/// recorded provider answers with the response where there is one and uses the recorded token counts and cost when
/// given. RouteLLM's folder is one importer of it (`orchestrate import routellm --outcomes`), a trace database another
/// (`orchestrate import traces`).
public enum RecordedOutcomesFile {
    static let itemFields: Set<String> = ["id", "dataset", "query", "domain", "answerKind", "expected", "outcomes"]
    static let outcomeFields: Set<String> = ["correct", "response", "promptTokens", "completionTokens", "costUSD"]

    /// Reads a file of the general format. Errors name the file, the line and the field.
    public static func load(path: String) throws(RecordingError) -> RecordedOutcomes {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RecordingError(file: path, problem: "cannot read the file: \(error.localizedDescription)")
        }
        do throws(TaskFileError) {
            return try parse(text: text, path: path)
        } catch {
            throw RecordingError(file: "\(path):\(error.line)", problem: error.field.map { "\($0): \(error.problem)" } ?? error.problem)
        }
    }

    /// Parses the text of a file of the general format; `path` names the default dataset and the errors, which give the
    /// line and the field.
    public static func parse(text: String, path: String) throws(TaskFileError) -> RecordedOutcomes {
        let defaultDataset = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var outcomes = RecordedOutcomes()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let value: JSONValue
            do throws(JSONSyntaxError) {
                value = try JSONValue.parse(trimmed)
            } catch {
                throw TaskFileError(file: path, line: index + 1, field: nil, problem: error.reason)
            }
            do throws(FieldError) {
                outcomes.add(try item(from: value, defaultDataset: defaultDataset))
            } catch {
                throw TaskFileError(file: path, line: index + 1, field: error.field, problem: error.problem)
            }
        }
        guard !outcomes.items.isEmpty else {
            throw TaskFileError(
                file: path,
                line: 1,
                field: nil,
                problem: "no recorded tasks; expected one JSON object a line with id, query and outcomes"
            )
        }
        return outcomes
    }

    /// Whether a file is JSON Lines of recorded outcomes (its first line a recorded task).
    public static func isRecordedFile(path: String) -> Bool {
        guard path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson"), let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        // The first line of a recorded task holds every model's response: read up to 16 MiB of it.
        let head = (try? handle.read(upToCount: 16 << 20)) ?? Data()
        let text = String(decoding: head, as: UTF8.self)
        guard let first = text.split(separator: "\n").first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return false }
        return isRecordedTask(first)
    }

    /// Whether a line of JSON Lines is a recorded task (an object with `outcomes`) rather than a task.
    static func isRecordedTask(_ line: Substring) -> Bool {
        guard case .object(let fields)? = try? JSONValue.parse(String(line)) else { return false }
        return fields["outcomes"] != nil
    }

    static func item(from value: JSONValue, defaultDataset: String) throws(FieldError) -> RecordedOutcomes.Item {
        let reader = try JSONObjectReader(value, allowed: itemFields)
        let expected = try reader.object("expected", allowed: TaskParser.expectedFields).map { object throws(FieldError) in
            try TaskParser.expectedAnswer(object)
        }
        guard case .object(let models)? = reader.fields["outcomes"], !models.isEmpty else {
            throw FieldError(field: "outcomes", problem: "expected an object with at least one model's outcome, keyed by model")
        }
        var outcomes: [String: RecordedOutcomes.Outcome] = [:]
        for (name, value) in models {
            let outcome = try JSONObjectReader(value, path: "outcomes.\(name)", allowed: outcomeFields)
            guard let correct = try outcome.bool("correct") else {
                throw FieldError(field: "outcomes.\(name).correct", problem: "missing; expected true or false")
            }
            outcomes[name] = RecordedOutcomes.Outcome(
                correct: correct,
                response: try outcome.string("response", nonEmpty: false),
                promptTokens: try outcome.integer("promptTokens", in: 0...100_000_000),
                completionTokens: try outcome.integer("completionTokens", in: 0...100_000_000),
                costUSD: try outcome.number("costUSD", in: 0...1_000_000)
            )
        }
        return RecordedOutcomes.Item(
            dataset: try reader.string("dataset") ?? defaultDataset,
            id: try reader.requiredString("id"),
            query: try reader.requiredString("query"),
            expected: expected,
            domain: try reader.oneOf("domain", as: Domain.self) ?? .general,
            outcomes: outcomes,
            answerKind: try reader.oneOf("answerKind", as: AnswerKind.self)
        )
    }

    /// The outcomes in the general format, one task a line in their order, keys sorted.
    public static func jsonl(_ outcomes: RecordedOutcomes) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [String] = []
        for item in outcomes.items {
            var models: [String: JSONValue] = [:]
            for (name, outcome) in item.outcomes {
                var fields: [String: JSONValue] = ["correct": .bool(outcome.correct)]
                if let response = outcome.response { fields["response"] = .string(response) }
                if let tokens = outcome.promptTokens { fields["promptTokens"] = .number(Double(tokens)) }
                if let tokens = outcome.completionTokens { fields["completionTokens"] = .number(Double(tokens)) }
                if let cost = outcome.costUSD { fields["costUSD"] = .number(cost) }
                models[name] = .object(fields)
            }
            var object: [String: JSONValue] = [
                "id": .string(item.id),
                "dataset": .string(item.dataset),
                "query": .string(item.query),
                "domain": .string(item.domain.rawValue),
                "outcomes": .object(models),
            ]
            if let expected = item.expected {
                object["expected"] = .object(["value": .string(expected.value), "kind": .string(expected.kind.rawValue)])
            }
            if let kind = item.answerKind { object["answerKind"] = .string(kind.rawValue) }
            // Strings, numbers and booleans always encode.
            let data = (try? encoder.encode(JSONValue.object(object))) ?? Data()
            lines.append(String(decoding: data, as: UTF8.self))
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }
}

extension RecordedOutcomes {
    /// Recorded outcomes from a path: RouteLLM's evals folder, or a file of the general format
    /// (`RecordedOutcomesFile`).
    public static func load(path: String) throws(RecordingError) -> RecordedOutcomes {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RecordingError(file: path, problem: "no such file or folder; expected a recorded-outcomes file (.jsonl) or RouteLLM's evals folder")
        }
        return isDirectory.boolValue ? try RouteLLMDataset.load(directory: path) : try RecordedOutcomesFile.load(path: path)
    }
}
