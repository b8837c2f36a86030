import Foundation
import Orchestrator

extension ChatCompletionResponse {
    /// The reply as JSON, with the keys and values `JSONEncoder` (sorted keys, slashes unescaped) writes for it, by
    /// hand: the encoder cost more than any other step of answering a request. A run's faults and escalations, rare
    /// and of many fields, are encoded by the encoder and set in place.
    func json() throws -> String {
        var json = "{\"choices\":["
        for (position, choice) in choices.enumerated() {
            if position > 0 { json += "," }
            json += "{\"finish_reason\":" + JSONText.string(choice.finishReason)
            json += ",\"index\":" + String(choice.index)
            json += ",\"message\":{\"content\":" + JSONText.string(choice.message.content)
            json += ",\"role\":" + JSONText.string(choice.message.role) + "}}"
        }
        json += "],\"created\":" + String(created)
        json += ",\"id\":" + JSONText.string(id)
        json += ",\"model\":" + JSONText.string(model)
        json += ",\"object\":" + JSONText.string(object)
        json += ",\"orchestrate\":" + (try orchestrate.json())
        json += ",\"usage\":{\"completion_tokens\":" + String(usage.completionTokens)
        json += ",\"prompt_tokens\":" + String(usage.promptTokens)
        json += ",\"total_tokens\":" + String(usage.totalTokens) + "}}"
        return json
    }

    /// An array as `JSONEncoder` writes it; `[]` without calling it when empty.
    static func encoded<Element: Encodable>(_ values: [Element]) throws -> String {
        guard !values.isEmpty else { return "[]" }
        return String(decoding: try OrchestratorServer.jsonEncoder().encode(values), as: UTF8.self)
    }
}

extension ChatCompletionResponse.Details {
    func json() throws -> String {
        var json = "{\"agents\":["
        for (position, agent) in agents.enumerated() {
            if position > 0 { json += "," }
            json += "{"
            if let answer = agent.answer { json += "\"answer\":" + JSONText.string(answer) + "," }
            json += "\"index\":" + String(agent.index)
            json += ",\"model\":" + JSONText.string(agent.model)
            json += ",\"role\":" + JSONText.string(agent.role) + "}"
        }
        json += "],\"calls\":" + String(calls)
        if let controllerVersion { json += ",\"controller_version\":" + JSONText.string(controllerVersion) }
        json += ",\"cost_usd\":" + JSONText.number(costUSD)
        json += ",\"escalations\":" + (try ChatCompletionResponse.encoded(escalations))
        json += ",\"fleet\":" + JSONText.string(fleet)
        json += ",\"run_id\":" + JSONText.string(runID)
        if let score { json += ",\"score\":" + JSONText.number(score) }
        json += ",\"simulated\":" + (simulated ? "true" : "false")
        json += ",\"status\":" + JSONText.string(status)
        if let stopReason { json += ",\"stop_reason\":" + JSONText.string(stopReason) }
        if let topology { json += ",\"topology\":" + JSONText.string(topology) }
        let summary = verification
        json += ",\"verification\":{\"calls\":" + String(summary.calls)
        json += ",\"costUSD\":" + JSONText.number(summary.costUSD)
        json += ",\"faults\":" + (try ChatCompletionResponse.encoded(summary.faults))
        json += ",\"flaggedMessages\":" + String(summary.flaggedMessages)
        json += ",\"policy\":" + JSONText.string(summary.policy.rawValue)
        if let rate = summary.propagationRate { json += ",\"propagationRate\":" + JSONText.number(rate) }
        json += ",\"quarantinedAgents\":[" + summary.quarantinedAgents.map(String.init).joined(separator: ",") + "]"
        json += ",\"withheldDeliveries\":" + String(summary.withheldDeliveries) + "}}"
        return json
    }
}
