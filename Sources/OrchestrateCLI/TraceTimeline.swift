import CommandLineSupport
import Foundation
import Orchestrator

/// A stored run rendered for people: the plan and its decisions, then step by step every call with its answer,
/// usage, checks and where it was delivered, then the outcome.
struct TraceTimeline {
    var trace: RunTrace
    /// Whole prompts and responses instead of a first line.
    var full: Bool

    func render() -> String {
        let run = trace.run
        var lines: [String] = []
        lines.append(
            "run \(run.id) · task \(run.taskID) · \(run.status.rawValue) · \(run.simulated ? "SIMULATED fleet" : "fleet") \(run.fleetName)"
        )
        lines.append(
            "  started   \(TraceCells.moment(run.startedAt)) UTC · wall \(run.latencyMilliseconds.map { String(format: "%.2f s", $0 / 1000) } ?? "—") · seed \(run.seed) · controller \(run.controllerVersion) · verify \(run.verificationPolicy)"
        )
        lines.append("  query     \(clip(run.query, 160))")
        if let expected = run.expectedAnswer { lines.append("  expected  \(expected)") }
        if let topology = run.topology {
            lines.append(
                "  plan      \(topology) · \(run.agentCount ?? trace.agents.count) agents\(run.planLogProbability.map { String(format: " · log p(plan) %.3f", $0) } ?? "")"
            )
        }
        if !trace.decisions.isEmpty {
            lines.append("  decisions")
            var table: [[String]] = []
            for decision in trace.decisions {
                let stage = decision.position.map { "\(decision.stage) #\($0)" } ?? decision.stage
                table.append(["    " + stage, decision.chosen, String(format: "p %.3f", decision.probability), decision.pinned ? "pinned" : ""])
            }
            lines += formatColumns(table).map { String($0.reversed().drop { $0 == " " }.reversed()) }
        }
        if !trace.agents.isEmpty {
            lines.append("  agents")
            for agent in trace.agents {
                var text = "    #\(agent.agentIndex) \(agent.role) on \(agent.model)"
                if let fault = agent.fault { text += " · FAULT \(fault)" }
                if let step = agent.quarantinedAtStep { text += " · quarantined at step \(step)" }
                lines.append(text)
            }
        }
        let checks = Dictionary(grouping: trace.verifications, by: \.messageID)
        let deliveries = Dictionary(grouping: trace.deliveries, by: \.messageID)
        for step in trace.steps {
            lines.append("  step \(step)")
            for message in trace.messages where message.step == step {
                lines += describe(message, checks: checks[message.id ?? -1] ?? [], deliveries: deliveries[message.id ?? -1] ?? [])
            }
        }
        var answer = "  answer    \(run.answer.map { clip($0, 200) } ?? "(none)")"
        if let expected = run.expectedAnswer, let score = run.score {
            answer += score >= 1 ? " ✓ expected \(expected)" : " ✗ expected \(expected)"
        }
        if let score = run.score { answer += String(format: " · score %.2f", score) }
        lines.append(answer)
        if let reason = run.stopReason { lines.append("  stopped   \(reason)") }
        if let error = run.error { lines.append("  error     \(error)") }
        lines.append(
            "  usage     $\(String(format: "%.6f", run.costUSD)) · \(run.promptTokens + run.completionTokens) tokens (\(run.promptTokens) in / \(run.completionTokens) out\(run.tokensEstimated ? ", estimated" : "")) · \(trace.messages.count) calls · \(run.retries) retries · \(run.fallbacks) fallbacks"
        )
        var verify =
            "  verify    \(run.verificationPolicy) · \(run.flaggedMessages) flagged · \(run.withheldDeliveries) withheld · \(run.quarantinedAgents) quarantined"
        if run.verificationCalls > 0 { verify += " · \(run.verificationCalls) re-asks ($\(String(format: "%.6f", run.verificationCostUSD)))" }
        if let rate = run.propagationRate { verify += String(format: " · propagation %.0f%%", rate * 100) }
        lines.append(verify)
        for decision in trace.escalations {
            lines.append(
                "  cascade   #\(decision.fromAgent) \(decision.fromModel) \(decision.escalated ? "escalated to" : "stood; skipped") #\(decision.toAgent) \(decision.toModel) before step \(decision.step): \(clip(decision.reason, 120))"
            )
        }
        for feedback in trace.feedback {
            lines.append(
                "  feedback  \(feedback.score) from \(feedback.source) at \(TraceCells.moment(feedback.givenAt))\(feedback.note.map { ": \(clip($0, 120))" } ?? "")"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// One call: who, what it answered, usage, then its text, checks and deliveries.
    func describe(_ message: MessageRecord, checks: [VerificationRecord], deliveries: [DeliveryRecord]) -> [String] {
        var head = "    #\(message.agentIndex) \(message.model)"
        if message.purpose != MessagePurpose.turn.rawValue { head += " (\(message.purpose))" }
        if message.attempt > 1 { head += " attempt \(message.attempt)" }
        if let from = message.fallbackFrom { head += " fallback from \(from)" }
        if let error = message.error {
            head += " ✗ \(message.errorKind ?? "error")\(message.httpStatus.map { " HTTP \($0)" } ?? ""): \(clip(error, 120))"
        } else {
            head += " → \(message.answer.map { clip($0, 60) } ?? "(no answer)")"
        }
        head +=
            " · \(message.promptTokens)+\(message.completionTokens) tokens\(message.tokensEstimated ? " (est.)" : "") · $\(String(format: "%.6f", message.costUSD)) · \(String(format: "%.0f", message.latencyMilliseconds)) ms"
        if let recovery = message.recovery { head += " · \(recovery)" }
        var lines = [head]
        if full {
            lines.append("        prompt:   \(message.promptJSON)")
            lines.append("        response: \(UntrustedText.printable(message.response ?? ""))")
        } else if let response = message.response {
            lines.append("        \"\(clip(response, 110))\"")
        }
        if !checks.isEmpty {
            let text = checks.map { check in
                let receiver = check.receiverIndex.map { " for #\($0)" } ?? ""
                let detail = check.outcome == "passed" || check.detail.isEmpty ? "" : " (\(clip(check.detail, 80)))"
                return "\(check.checkName)\(receiver) \(check.outcome)\(detail)"
            }
            lines.append("        checks: " + text.joined(separator: " · "))
        }
        if !deliveries.isEmpty {
            let text = deliveries.map { delivery in
                "#\(delivery.receiverIndex) \(delivery.verdict)\(delivery.detail.map { " (\(clip($0, 60)))" } ?? "")"
            }
            lines.append("        to:     " + text.joined(separator: " · "))
        }
        return lines
    }

    /// The text on one line, cut to `limit` characters unless --full.
    func clip(_ text: String, _ limit: Int) -> String {
        oneLine(text, limit: full ? nil : limit)
    }
}

/// Text on one line (line breaks shown as ⏎, control characters as U+FFFD), cut to `limit` characters when given.
func oneLine(_ text: String, limit: Int?) -> String {
    let flat = UntrustedText.printable(limit.map { text.prefix($0 + 1) } ?? text[...])
    guard let limit, flat.count > limit else { return flat }
    return String(flat.prefix(limit)) + "…"
}
