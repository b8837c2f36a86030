import Foundation
import SwiftCSV

/// Reads the recorded outcomes RouteLLM published (lm-sys/RouteLLM, `routellm/evals/`): a folder with
///
/// - `gsm8k_responses.csv`: `prompt`, then for each model a `True`/`False` column named after the model and a
///   `<model>_response` column with its full response;
/// - `gsm8k_test.jsonl`: `{"question", "answer"}` lines, the final answer after `#### ` (for expected answers);
/// - `mmlu/mmlu_<subject>.csv`: `prompt` and a `True`/`False` column per model, no response text.
///
/// Either part may be missing, not both.
public enum RouteLLMDataset {
    /// Loads every part the folder has.
    public static func load(directory: String) throws(RecordingError) -> RecordedOutcomes {
        var outcomes = RecordedOutcomes()
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RecordingError(file: directory, problem: "expected a folder of RouteLLM's recorded outcomes (gsm8k_responses.csv, mmlu/)")
        }
        let gsm8k = (directory as NSString).appendingPathComponent("gsm8k_responses.csv")
        let mmlu = (directory as NSString).appendingPathComponent("mmlu")
        guard manager.fileExists(atPath: gsm8k) || manager.fileExists(atPath: mmlu) else {
            throw RecordingError(file: directory, problem: "has neither gsm8k_responses.csv nor mmlu/; expected RouteLLM's evals data")
        }
        if manager.fileExists(atPath: gsm8k) {
            let answers = try expectedGSM8KAnswers(path: (directory as NSString).appendingPathComponent("gsm8k_test.jsonl"))
            try loadGSM8K(path: gsm8k, answers: answers, into: &outcomes)
        }
        if manager.fileExists(atPath: mmlu) {
            let files: [String]
            do {
                files = try manager.contentsOfDirectory(atPath: mmlu).filter { $0.hasPrefix("mmlu_") && $0.hasSuffix(".csv") }.sorted()
            } catch {
                throw RecordingError(file: mmlu, problem: "cannot list the folder: \(error.localizedDescription)")
            }
            for file in files {
                let subject = String(file.dropFirst("mmlu_".count).dropLast(".csv".count))
                try loadMMLU(path: (mmlu as NSString).appendingPathComponent(file), subject: subject, into: &outcomes)
            }
        }
        return outcomes
    }

    /// The final answers of GSM8K's test set by question; empty when the file is absent.
    static func expectedGSM8KAnswers(path: String) throws(RecordingError) -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RecordingError(file: path, problem: "cannot read: \(error.localizedDescription)")
        }
        var answers: [String: String] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let question = object["question"] as? String, let answer = object["answer"] as? String,
                let marker = answer.range(of: "#### ", options: .backwards)
            else {
                throw RecordingError(file: "\(path):\(index + 1)", problem: "expected {\"question\", \"answer\"} with the final answer after '#### '")
            }
            let final = answer[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ",", with: "")
            answers[RecordedOutcomes.key(question)] = final
        }
        return answers
    }

    static func loadGSM8K(path: String, answers: [String: String], into outcomes: inout RecordedOutcomes) throws(RecordingError) {
        let (header, rows) = try readCSV(path: path)
        let models = header.filter { $0 != "prompt" && !$0.hasSuffix("_response") }
        for (index, row) in rows.enumerated() {
            let query = try prompt(row, path: path, row: index)
            var item = RecordedOutcomes.Item(
                dataset: "gsm8k",
                id: String(format: "gsm8k-%04d", index + 1),
                query: query,
                expected: answers[RecordedOutcomes.key(query)].map { ExpectedAnswer(value: $0, kind: .number) },
                domain: .math,
                outcomes: [:]
            )
            for model in models {
                item.outcomes[model] = RecordedOutcomes.Outcome(
                    correct: try judgement(row, column: model, path: path, row: index),
                    response: row[model + "_response"]
                )
            }
            outcomes.add(item)
        }
    }

    static func loadMMLU(path: String, subject: String, into outcomes: inout RecordedOutcomes) throws(RecordingError) {
        let (header, rows) = try readCSV(path: path)
        let models = header.filter { $0 != "prompt" && !$0.hasSuffix("_response") }
        for (index, row) in rows.enumerated() {
            var item = RecordedOutcomes.Item(
                dataset: "mmlu",
                id: String(format: "mmlu-%@-%04d", subject.replacingOccurrences(of: "_", with: "-"), index + 1),
                query: try prompt(row, path: path, row: index),
                expected: nil,
                domain: .knowledge,
                outcomes: [:]
            )
            for model in models {
                item.outcomes[model] = RecordedOutcomes.Outcome(correct: try judgement(row, column: model, path: path, row: index), response: nil)
            }
            outcomes.add(item)
        }
    }

    private static func readCSV(path: String) throws(RecordingError) -> (header: [String], rows: [[String: String]]) {
        do {
            let csv = try CSV<Named>(url: URL(fileURLWithPath: path), delimiter: .comma, loadColumns: false)
            guard csv.header.contains("prompt") else {
                throw RecordingError(file: path, problem: "expected a 'prompt' column, found \(csv.header.joined(separator: ", "))")
            }
            return (csv.header, csv.rows)
        } catch let error as RecordingError {
            throw error
        } catch {
            throw RecordingError(file: path, problem: "not readable as CSV: \(error)")
        }
    }

    private static func prompt(_ row: [String: String], path: String, row index: Int) throws(RecordingError) -> String {
        guard let prompt = row["prompt"], !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw RecordingError(file: "\(path) row \(index + 1)", problem: "field 'prompt': expected the question, got nothing")
        }
        return prompt
    }

    private static func judgement(_ row: [String: String], column: String, path: String, row index: Int) throws(RecordingError) -> Bool {
        switch row[column] {
        case "True", "true", "1": return true
        case "False", "false", "0": return false
        case let other:
            throw RecordingError(
                file: "\(path) row \(index + 1)",
                problem: "field '\(column)': expected True or False, got \(other.map { "\"\($0)\"" } ?? "nothing")"
            )
        }
    }
}
