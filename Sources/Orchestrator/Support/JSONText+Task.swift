import Foundation

extension JSONText {
    /// A task's JSON as `runs.taskJSON` keeps it, with the keys and values `JSONEncoder` (sorted keys) writes for
    /// `OrchestrationTask`, read back by its decoder as before: written on every run. Injected faults, rare and
    /// with a target of two shapes, are encoded by the encoder and set in place.
    static func task(_ task: OrchestrationTask) throws -> String {
        var json = "{"
        if let kind = task.declaredAnswerKind { json += "\"answerKind\":" + string(kind.rawValue) + "," }
        let budget = task.budget
        json +=
            "\"budget\":"
            + object([
                ("deadlineSeconds", budget.deadlineSeconds.map(number)),
                ("maxAgents", budget.maxAgents.map(String.init)),
                ("maxCostUSD", budget.maxCostUSD.map(number)),
                ("maxRounds", budget.maxRounds.map(String.init)),
            ])
        let constraints = task.constraints
        json +=
            ",\"constraints\":"
            + object([
                ("agentCount", constraints.agentCount.map(String.init)),
                ("models", constraints.models.map(strings)),
                ("roles", constraints.roles.map(strings)),
                ("topology", constraints.topology.map(string)),
            ])
        if let domain = task.domain { json += ",\"domain\":" + string(domain.rawValue) }
        if let expected = task.expected {
            json += ",\"expected\":{\"kind\":" + string(expected.kind.rawValue) + ",\"value\":" + string(expected.value) + "}"
        }
        json += ",\"faults\":"
        if task.faults.isEmpty {
            json += "[]"
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            json += String(decoding: try encoder.encode(task.faults), as: UTF8.self)
        }
        json += ",\"id\":" + string(task.id)
        json += ",\"query\":" + string(task.query)
        if let tests = task.tests {
            json += ",\"tests\":{\"language\":" + string(tests.language)
            json += ",\"memoryMegabytes\":" + String(tests.memoryMegabytes)
            json += ",\"source\":" + string(tests.source)
            json += ",\"timeoutSeconds\":" + number(tests.timeoutSeconds) + "}"
        }
        return json + "}"
    }

    /// `{"key":value,…}` of the members given a value, in the order given.
    private static func object(_ members: [(key: String, value: String?)]) -> String {
        "{" + members.compactMap { member in member.value.map { "\"\(member.key)\":" + $0 } }.joined(separator: ",") + "}"
    }
}
