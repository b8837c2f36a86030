import Orchestrator

/// A task asked through a front door (a chat request, an MCP tool call), before the catalogue checks it: the one path
/// from a request's fields to an `OrchestrationTask`, as a task file would give it.
struct TaskRequest: Sendable {
    var query: String
    /// A topology the run must use; nil: the controller chooses.
    var topology: String?
    var agents: Int?
    var domain: Domain?
    var expected: String?
    /// How `expected` is read (default: a number when it reads as one, else text).
    var answerKind: AnswerKind?
    var maxCostUSD: Double?
    var deadlineSeconds: Double?
    /// The id recorded with the run; nil: `idPrefix`, a dash and a digest of the query (`OrchestrationTask.queryID`).
    var taskID: String?
    var idPrefix: String

    /// The task, checked like a task file (names against the catalogue, ranges); the error names the task file's field
    /// (`constraints.topology`, `budget.maxCostUSD`, …), which each door translates into its own.
    func task(parser: TaskParser) throws(FieldError) -> OrchestrationTask {
        var constraints: [String: JSONValue] = [:]
        if let topology { constraints["topology"] = .string(topology) }
        if let agents { constraints["agentCount"] = .number(Double(agents)) }
        var object: [String: JSONValue] = [
            "id": .string(taskID ?? OrchestrationTask.queryID(query, prefix: idPrefix)),
            "query": .string(query),
        ]
        if !constraints.isEmpty { object["constraints"] = .object(constraints) }
        if let domain { object["domain"] = .string(domain.rawValue) }
        if let expected {
            let kind = answerKind ?? (Double(expected) == nil ? .text : .number)
            object["expected"] = .object(["value": .string(expected), "kind": .string(kind.rawValue)])
        } else if let answerKind {
            object["answerKind"] = .string(answerKind.rawValue)
        }
        var budget: [String: JSONValue] = [:]
        if let maxCostUSD { budget["maxCostUSD"] = .number(maxCostUSD) }
        if let deadlineSeconds { budget["deadlineSeconds"] = .number(deadlineSeconds) }
        if !budget.isEmpty { object["budget"] = .object(budget) }
        return try parser.task(from: .object(object), defaultID: idPrefix)
    }
}
