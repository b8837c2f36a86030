import Foundation

extension RecordedOutcomes {
    /// The names of the datasets present, in the order they first appear.
    public var datasets: [String] {
        var seen: [String] = []
        for item in items where !seen.contains(item.dataset) {
            seen.append(item.dataset)
        }
        return seen
    }

    /// The questions of one dataset as a task file: one JSON object a line, with the expected answer when
    /// the dataset has it. MMLU tasks have none (RouteLLM kept only each model's judgement); they are scored
    /// by the recorded judgement of the model that answered.
    public func taskSetJSONL(dataset: String, limit: Int? = nil) -> String {
        var lines: [String] = []
        for item in items where item.dataset == dataset {
            if let limit, lines.count >= limit { break }
            var object: [String: Any] = ["id": item.id, "query": item.query, "domain": item.domain.rawValue]
            if let expected = item.expected {
                object["expected"] = ["value": expected.value, "kind": expected.kind.rawValue]
            }
            if let kind = item.answerKind { object["answerKind"] = kind.rawValue }
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: options) {
                lines.append(String(decoding: data, as: UTF8.self))
            }
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// Every question as a task: its id, query, domain, expected answer and answer kind; no budget or constraints.
    public var tasks: [OrchestrationTask] {
        items.map { item in
            OrchestrationTask(id: item.id, query: item.query, domain: item.domain, expected: item.expected, declaredAnswerKind: item.answerKind)
        }
    }

    /// Per model, the share of a dataset's questions it answered correctly.
    public func accuracy(dataset: String) -> [String: Double] {
        let chosen = items.filter { $0.dataset == dataset }
        guard !chosen.isEmpty else { return [:] }
        var result: [String: Double] = [:]
        for model in models {
            let correct = chosen.filter { $0.outcomes[model]?.correct == true }.count
            result[model] = Double(correct) / Double(chosen.count)
        }
        return result
    }
}
