import Foundation

/// Stored runs as OpenTelemetry spans in OTLP/JSON (`resourceSpans` → `scopeSpans` → `spans`), ready for any
/// OTLP collector or viewer: a span per run (the root, `invoke_agent orchestrate`), one per agent under it
/// (`invoke_agent ROLE`) and one per model call under its agent (`chat MODEL`), with the GenAI semantic
/// conventions' `gen_ai.*` attributes. Controller decisions are events on the run span; verification verdicts and
/// deliveries are events on the call span of the message they concern.
public enum OpenTelemetryExport {
    /// The OTLP/JSON document for these traces.
    public static func document(_ traces: [RunTrace], serviceVersion: String? = nil) -> JSONValue {
        var resource: [JSONValue] = [attribute("service.name", "orchestrate")]
        if let serviceVersion { resource.append(attribute("service.version", serviceVersion)) }
        return .object([
            "resourceSpans": .array([
                .object([
                    "resource": .object(["attributes": .array(resource)]),
                    "scopeSpans": .array([
                        .object([
                            "scope": .object(["name": .string("orchestrate")]),
                            "spans": .array(traces.flatMap(spans)),
                        ])
                    ]),
                ])
            ])
        ])
    }

    /// The spans of one run: the run, its agents, its calls.
    public static func spans(of trace: RunTrace) -> [JSONValue] {
        let run = trace.run
        let end = run.finishedAt ?? trace.messages.map(\.finishedAt).max() ?? run.startedAt
        var runAttributes: [JSONValue] = [
            attribute("gen_ai.operation.name", "invoke_agent"),
            attribute("gen_ai.agent.name", "orchestrate"),
            attribute("gen_ai.conversation.id", run.id),
            attribute("orchestrate.run.id", run.id),
            attribute("orchestrate.task.id", run.taskID),
            attribute("orchestrate.status", run.status.rawValue),
            attribute("orchestrate.controller.version", run.controllerVersion),
            attribute("orchestrate.fleet", run.fleetName),
            attribute("orchestrate.simulated", run.simulated),
            attribute("orchestrate.verification.policy", run.verificationPolicy),
            attribute("orchestrate.cost_usd", run.costUSD),
            attribute("gen_ai.usage.input_tokens", run.promptTokens),
            attribute("gen_ai.usage.output_tokens", run.completionTokens),
        ]
        if let topology = run.topology { runAttributes.append(attribute("orchestrate.topology", topology)) }
        if let count = run.agentCount { runAttributes.append(attribute("orchestrate.agent_count", count)) }
        if let answer = run.answer { runAttributes.append(attribute("orchestrate.answer", answer)) }
        if let score = run.score { runAttributes.append(attribute("orchestrate.score", score)) }
        if let reason = run.stopReason { runAttributes.append(attribute("orchestrate.stop_reason", reason)) }
        if let rate = run.propagationRate { runAttributes.append(attribute("orchestrate.propagation_rate", rate)) }
        let failed = run.status == .failed || run.status == .interrupted
        if failed { runAttributes.append(attribute("error.type", run.status.rawValue)) }
        let decisions = trace.decisions.map { decision in
            event(
                "orchestrate.decision",
                at: run.startedAt,
                [
                    attribute("orchestrate.decision.stage", decision.stage),
                    attribute("orchestrate.decision.position", decision.position ?? -1),
                    attribute("orchestrate.decision.chosen", decision.chosen),
                    attribute("orchestrate.decision.probability", decision.probability),
                ]
            )
        }
        var spans = [
            span(
                trace: run.traceID,
                id: run.spanID,
                parent: nil,
                name: "invoke_agent orchestrate",
                start: run.startedAt,
                end: end,
                attributes: runAttributes,
                events: decisions,
                error: failed ? run.error ?? run.status.rawValue : nil
            )
        ]
        for agent in trace.agents {
            let calls = trace.messages.filter { $0.agentIndex == agent.agentIndex }
            var attributes: [JSONValue] = [
                attribute("gen_ai.operation.name", "invoke_agent"),
                attribute("gen_ai.agent.name", agent.role),
                attribute("gen_ai.agent.id", "\(run.id)/\(agent.agentIndex)"),
                attribute("gen_ai.request.model", agent.model),
                attribute("orchestrate.agent.index", agent.agentIndex),
            ]
            if let fault = agent.fault { attributes.append(attribute("orchestrate.agent.fault", fault)) }
            if let step = agent.quarantinedAtStep { attributes.append(attribute("orchestrate.agent.quarantined_at_step", step)) }
            spans.append(
                span(
                    trace: run.traceID,
                    id: agent.spanID,
                    parent: run.spanID,
                    name: "invoke_agent \(agent.role)",
                    start: calls.map(\.startedAt).min() ?? run.startedAt,
                    end: calls.map(\.finishedAt).max() ?? end,
                    attributes: attributes,
                    events: [],
                    error: nil
                )
            )
        }
        let verificationsByMessage = Dictionary(grouping: trace.verifications, by: \.messageID)
        let deliveriesByMessage = Dictionary(grouping: trace.deliveries, by: \.messageID)
        for message in trace.messages {
            var attributes: [JSONValue] = [
                attribute("gen_ai.operation.name", message.purpose == MessagePurpose.fault.rawValue ? "fault" : "chat"),
                attribute("gen_ai.provider.name", message.provider),
                attribute("gen_ai.request.model", message.model),
                attribute("gen_ai.usage.input_tokens", message.promptTokens),
                attribute("gen_ai.usage.output_tokens", message.completionTokens),
                attribute("orchestrate.step", message.step),
                attribute("orchestrate.agent.index", message.agentIndex),
                attribute("orchestrate.attempt", message.attempt),
                attribute("orchestrate.purpose", message.purpose),
                attribute("orchestrate.cost_usd", message.costUSD),
                attribute("orchestrate.tokens_estimated", message.tokensEstimated),
            ]
            if let reason = message.finishReason { attributes.append(attribute("gen_ai.response.finish_reasons", [reason])) }
            if let answer = message.answer { attributes.append(attribute("orchestrate.answer", answer)) }
            if let kind = message.errorKind { attributes.append(attribute("error.type", kind)) }
            if let status = message.httpStatus { attributes.append(attribute("http.response.status_code", status)) }
            if let from = message.fallbackFrom { attributes.append(attribute("orchestrate.fallback_from", from)) }
            if let recovery = message.recovery { attributes.append(attribute("orchestrate.recovery", recovery)) }
            let id = message.id ?? -1
            var events = (verificationsByMessage[id] ?? []).map { check in
                var attributes = [
                    attribute("orchestrate.check", check.checkName),
                    attribute("orchestrate.outcome", check.outcome),
                    attribute("orchestrate.detail", check.detail),
                ]
                if let receiver = check.receiverIndex { attributes.append(attribute("orchestrate.receiver", receiver)) }
                return event("orchestrate.verification", at: message.finishedAt, attributes)
            }
            events += (deliveriesByMessage[id] ?? []).map { delivery in
                var attributes = [
                    attribute("orchestrate.receiver", delivery.receiverIndex),
                    attribute("orchestrate.step", delivery.step),
                    attribute("orchestrate.verdict", delivery.verdict),
                ]
                if let detail = delivery.detail { attributes.append(attribute("orchestrate.detail", detail)) }
                return event("orchestrate.delivery", at: message.finishedAt, attributes)
            }
            spans.append(
                span(
                    trace: run.traceID,
                    id: message.spanID,
                    parent: message.parentSpanID,
                    name: "chat \(message.model)",
                    start: message.startedAt,
                    end: message.finishedAt,
                    attributes: attributes,
                    events: events,
                    error: message.error
                )
            )
        }
        return spans
    }

    static func span(
        trace: String,
        id: String,
        parent: String?,
        name: String,
        start: Date,
        end: Date,
        attributes: [JSONValue],
        events: [JSONValue],
        error: String?
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "traceId": .string(trace),
            "spanId": .string(id),
            "name": .string(name),
            "kind": .number(parent == nil ? 2 : 3),  // SERVER for the run, CLIENT for agents and calls
            "startTimeUnixNano": .string(nanoseconds(start)),
            "endTimeUnixNano": .string(nanoseconds(max(start, end))),
            "attributes": .array(attributes),
            "status": error.map { .object(["code": .number(2), "message": .string($0)]) } ?? .object(["code": .number(1)]),
        ]
        if let parent { object["parentSpanId"] = .string(parent) }
        if !events.isEmpty { object["events"] = .array(events) }
        return .object(object)
    }

    static func event(_ name: String, at time: Date, _ attributes: [JSONValue]) -> JSONValue {
        .object(["name": .string(name), "timeUnixNano": .string(nanoseconds(time)), "attributes": .array(attributes)])
    }

    /// OTLP/JSON carries 64-bit integers as strings.
    static func nanoseconds(_ date: Date) -> String {
        String(UInt64(max(0, date.timeIntervalSince1970 * 1e9).rounded()))
    }

    static func attribute(_ key: String, _ value: String) -> JSONValue {
        .object(["key": .string(key), "value": .object(["stringValue": .string(value)])])
    }

    static func attribute(_ key: String, _ value: Int) -> JSONValue {
        .object(["key": .string(key), "value": .object(["intValue": .string(String(value))])])
    }

    static func attribute(_ key: String, _ value: Double) -> JSONValue {
        .object(["key": .string(key), "value": .object(["doubleValue": .number(value)])])
    }

    static func attribute(_ key: String, _ value: Bool) -> JSONValue {
        .object(["key": .string(key), "value": .object(["boolValue": .bool(value)])])
    }

    static func attribute(_ key: String, _ values: [String]) -> JSONValue {
        let array: JSONValue = .object(["values": .array(values.map { .object(["stringValue": .string($0)]) })])
        return .object(["key": .string(key), "value": .object(["arrayValue": array])])
    }
}
