import Foundation
import SwiftCSV

/// Reads RouterBench's recorded outcomes (withmartian/routerbench, as RouterDC ships them in
/// `datasets/routerbench_zs/`): one CSV file per benchmark with `sample_id`, `prompt` (a Python list literal of
/// strings), `eval_name`, and for each model `MODEL` (its score, 0.0 or 1.0), `MODEL|model_response` (a Python list
/// literal holding its answer) and `MODEL|total_cost` (US dollars). A model missing from a row (empty cells) has no
/// outcome there.
///
/// Benchmarks become tasks as their answers are read: ARC-Challenge (`knowledge`) and Winogrande (`general`) as choice
/// tasks whose expected letter is the one read from a right model's response (where no model was right, none is known
/// and the task is scored by the record); MBPP (`code`) as code tasks scored by the record (the files keep no tests).
/// Models are named by the last part of their name, lower-cased (`zero-one-ai/Yi-34B-Chat` → `yi-34b-chat`).
public enum RouterBenchDataset {
    /// What an import found beside the outcomes.
    public struct Summary: Sendable, Equatable {
        /// Rows read per file.
        public var rows: [String: Int] = [:]
        /// Choice tasks whose right models' responses read as different letters (no expected answer kept for them).
        public var conflictingLetters = 0
        /// Choice tasks no model answered right (scored by the record).
        public var withoutExpected = 0
        /// Outcomes left out because the row had no value for the model.
        public var missingOutcomes = 0
    }

    /// How a benchmark's tasks are read.
    struct Benchmark {
        var domain: Domain
        var kind: AnswerKind
    }

    /// The benchmarks this importer knows; any other `eval_name` is read as a text task of domain `general`.
    static let benchmarks: [String: Benchmark] = [
        "arc-challenge": Benchmark(domain: .knowledge, kind: .choice),
        "winogrande": Benchmark(domain: .general, kind: .choice),
        "mbpp": Benchmark(domain: .code, kind: .code),
    ]

    /// A model's name as the import writes it: the part after the last `/`, lower-cased.
    public static func modelName(_ column: String) -> String {
        String(column.split(separator: "/").last ?? Substring(column)).lowercased()
    }

    /// Reads the files, in order, into one set of recorded outcomes.
    public static func load(files: [String]) throws(RecordingError) -> (outcomes: RecordedOutcomes, summary: Summary) {
        var outcomes = RecordedOutcomes()
        var summary = Summary()
        for file in files {
            try load(file: file, into: &outcomes, summary: &summary)
        }
        guard !outcomes.items.isEmpty else {
            throw RecordingError(file: files.joined(separator: ", "), problem: "no rows; expected RouterBench's CSV files")
        }
        return (outcomes, summary)
    }

    static func load(file: String, into outcomes: inout RecordedOutcomes, summary: inout Summary) throws(RecordingError) {
        let csv: CSV<Named>
        do {
            csv = try CSV<Named>(url: URL(fileURLWithPath: file), delimiter: .comma, loadColumns: false)
        } catch {
            throw RecordingError(file: file, problem: "not readable as CSV: \(error)")
        }
        for required in ["sample_id", "prompt", "eval_name"] where !csv.header.contains(required) {
            throw RecordingError(file: file, problem: "expected a '\(required)' column, found \(csv.header.joined(separator: ", "))")
        }
        let models = csv.header.filter { csv.header.contains($0 + "|model_response") }
        guard !models.isEmpty else {
            throw RecordingError(file: file, problem: "no model columns; expected MODEL, MODEL|model_response and MODEL|total_cost")
        }
        for (index, row) in csv.rows.enumerated() {
            let place = "\(file) row \(index + 2)"
            let item = try self.item(row, models: models, place: place, summary: &summary)
            outcomes.add(item)
        }
        summary.rows[file] = csv.rows.count
    }

    static func item(_ row: [String: String], models: [String], place: String, summary: inout Summary) throws(RecordingError) -> RecordedOutcomes.Item
    {
        guard let id = row["sample_id"], !id.isEmpty else {
            throw RecordingError(file: place, problem: "field 'sample_id': expected the sample's id, got nothing")
        }
        let evalName = row["eval_name"] ?? ""
        let benchmark = benchmarks[evalName] ?? Benchmark(domain: .general, kind: .text)
        let query = try strings(row["prompt"], field: "prompt", place: place).joined(separator: "\n\n")
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw RecordingError(file: place, problem: "field 'prompt': expected the question, got an empty list")
        }
        var item = RecordedOutcomes.Item(
            dataset: evalName.isEmpty ? "routerbench" : evalName,
            id: id,
            query: query,
            expected: nil,
            domain: benchmark.domain,
            outcomes: [:],
            answerKind: benchmark.kind
        )
        for model in models {
            guard let scoreText = row[model], !scoreText.isEmpty else {
                summary.missingOutcomes += 1
                continue
            }
            guard let score = Double(scoreText), score == 0 || score == 1 else {
                throw RecordingError(file: place, problem: "field '\(model)': expected a score of 0.0 or 1.0, got \"\(scoreText)\"")
            }
            let costText = row[model + "|total_cost"] ?? ""
            let cost = costText.isEmpty ? nil : Double(costText)
            if !costText.isEmpty, cost.map({ !$0.isFinite || $0 < 0 }) ?? true {
                throw RecordingError(file: place, problem: "field '\(model)|total_cost': expected a cost in US dollars, got \"\(costText)\"")
            }
            let response = try strings(row[model + "|model_response"], field: model + "|model_response", place: place).joined()
            item.outcomes[modelName(model)] = RecordedOutcomes.Outcome(correct: score == 1, response: response, costUSD: cost)
        }
        if benchmark.kind == .choice {
            let letters = Set(
                item.outcomes.values.filter(\.correct).compactMap { $0.response.flatMap { AnswerExtractor.extract(from: $0, kind: .choice) } }
            )
            if letters.count == 1, let letter = letters.first {
                item.expected = ExpectedAnswer(value: letter, kind: .choice)
            } else if letters.count > 1 {
                summary.conflictingLetters += 1
            } else {
                summary.withoutExpected += 1
            }
        }
        return item
    }

    /// A cell holding a Python list literal of strings; an empty cell is an empty list.
    static func strings(_ cell: String?, field: String, place: String) throws(RecordingError) -> [String] {
        guard let cell, !cell.isEmpty else { return [] }
        do throws(PythonStringList.SyntaxError) {
            return try PythonStringList.parse(cell)
        } catch {
            throw RecordingError(file: place, problem: "field '\(field)': expected a Python list of strings, \(error)")
        }
    }
}
