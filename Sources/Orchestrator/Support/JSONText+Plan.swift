extension JSONText {
    /// A plan's JSON as `runs.planJSON` keeps it — without its decisions, which have their own rows — with the keys
    /// and values `JSONEncoder` (sorted keys) writes for `Plan`, read back by `JSONDecoder` as before: written on every
    /// run, where the encoder cost more than the rest of the plan's rows.
    static func plan(_ plan: Plan) -> String {
        var json = "{\"agents\":["
        for (position, agent) in plan.agents.enumerated() {
            if position > 0 { json += "," }
            json += "{\"fallbackModels\":" + strings(agent.fallbackModels)
            json += ",\"index\":" + String(agent.index)
            json += ",\"model\":" + string(agent.model)
            if let reliability = agent.reliability { json += ",\"reliability\":" + number(reliability) }
            json += ",\"role\":" + string(agent.role) + "}"
        }
        json += "],\"aggregation\":" + string(plan.aggregation.rawValue)
        json += ",\"controllerVersion\":" + string(plan.controllerVersion)
        json += ",\"decisions\":[]"
        json += ",\"difficulty\":" + number(plan.difficulty)
        json += ",\"domain\":" + string(plan.domain.rawValue)
        if let exploring = plan.exploring { json += ",\"exploring\":" + String(exploring) }
        if let qualityKnown = plan.qualityKnown { json += ",\"qualityKnown\":" + (qualityKnown ? "true" : "false") }
        json += ",\"rounds\":" + String(plan.rounds)
        json += ",\"selection\":" + string(plan.selection.rawValue)
        json += ",\"topology\":" + string(plan.topology) + "}"
        return json
    }
}
