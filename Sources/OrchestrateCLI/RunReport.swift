import Foundation
import Orchestrator

/// Prints runs for people, or as one JSON object a line.
struct RunReport: Sendable {
    var json: Bool
    var database: String
    var fleet: Fleet

    func printHeader(taskCount: Int) {
        let label = fleet.isSimulated ? "SIMULATED fleet — no real language model is called" : "fleet"
        Swift.print("\(label): \(fleet.name) (\(fleet.models.count) models) · traces: \(database) · tasks: \(taskCount)")
    }

    func print(_ result: RunResult) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(result) {
                Swift.print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        var lines = ["", "▶ \(result.taskID)   status: \(result.status.rawValue)\(result.simulated ? "   [simulated]" : "")"]
        if let plan = result.plan {
            lines.append(
                "  plan     \(plan.topology) · \(plan.agents.count) agent\(plan.agents.count == 1 ? "" : "s") · \(plan.rounds) round\(plan.rounds == 1 ? "" : "s") · \(plan.aggregation.rawValue) · domain \(plan.domain.rawValue) · controller \(plan.controllerVersion) (\(plan.selection.rawValue))"
            )
            if let answers = plan.exploring {
                lines.append(
                    "           exploring: no model's quality in \(plan.domain.rawValue) is known (fleet quality table, --quality or a trained controller), so models are drawn by Thompson sampling over \(answers) scored answers seen in this process"
                )
            }
            let roleWidth = plan.agents.map(\.role.count).max() ?? 0
            for agent in plan.agents {
                let answer = result.agentAnswers.first { $0.index == agent.index }?.answer.map { oneLine($0, limit: 80) } ?? "—"
                lines.append(
                    "           agent \(agent.index)  \(agent.role.padding(toLength: roleWidth, withPad: " ", startingAt: 0))  \(agent.model)  → \(answer)"
                )
            }
        }
        var answerLine = "  answer   \(result.answer.map { oneLine($0, limit: 200) } ?? "(none)")"
        if let expected = result.expected, let score = result.score {
            answerLine += score >= 1 ? "   ✓ expected \(expected)" : "   ✗ expected \(expected)"
            answerLine += "   score \(score == score.rounded() ? String(Int(score)) : String(score))"
        }
        lines.append(answerLine)
        if let reason = result.stopReason { lines.append("  stopped  \(reason)") }
        if let error = result.error { lines.append("  error    \(error)") }
        lines.append(
            "  usage    cost $\(String(format: "%.6f", result.costUSD)) · tokens \(result.usage.totalTokens) (\(result.usage.promptTokens) in / \(result.usage.completionTokens) out\(result.usage.estimated ? ", estimated" : "")) · \(result.messageCount) calls\(recoveries(result)) · wall \(String(format: "%.2f", result.wallSeconds)) s"
        )
        if let line = verificationLine(result.verification) { lines.append("  verify   \(line)") }
        for decision in result.escalations {
            lines.append(
                "  cascade  agent \(decision.fromAgent) (\(decision.fromModel)) \(decision.escalates ? "escalated to" : "stood; skipped") agent \(decision.toAgent) (\(decision.toModel)): \(oneLine(decision.reason, limit: 120))"
            )
        }
        lines.append("  run      \(result.runID)   seed \(result.seed)")
        Swift.print(lines.joined(separator: "\n"))
    }

    /// The policy and what it did, with the faults and how far they spread; nil for a run with nothing to say.
    func verificationLine(_ summary: RunResult.VerificationSummary) -> String? {
        var parts = [summary.policy.rawValue]
        if summary.policy.checks {
            parts.append("\(summary.flaggedMessages) flagged")
            parts.append("\(summary.withheldDeliveries) withheld")
            if !summary.quarantinedAgents.isEmpty {
                parts.append(
                    "quarantined agent\(summary.quarantinedAgents.count == 1 ? "" : "s") \(summary.quarantinedAgents.map(String.init).joined(separator: ", "))"
                )
            }
            if summary.calls > 0 {
                parts.append("\(summary.calls) re-ask\(summary.calls == 1 ? "" : "s") ($\(String(format: "%.6f", summary.costUSD)))")
            }
        }
        for fault in summary.faults {
            parts.append("fault: agent \(fault.agent) \(fault.kind.rawValue)\(fault.answer.map { " → \($0)" } ?? "")")
        }
        if let rate = summary.propagationRate {
            parts.append(String(format: "propagation %.0f%%", rate * 100))
        }
        return parts.joined(separator: " · ")
    }

    /// ` (2 retries, 1 fallback)`, or nothing when every call went through first time.
    func recoveries(_ result: RunResult) -> String {
        var parts: [String] = []
        if result.retries > 0 { parts.append("\(result.retries) retr\(result.retries == 1 ? "y" : "ies")") }
        if result.fallbacks > 0 { parts.append("\(result.fallbacks) fallback\(result.fallbacks == 1 ? "" : "s")") }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }

    func printSummary(_ summary: BatchSummary, wallSeconds: Double) {
        var lines = ["", "Summary: \(summary.runs) runs in \(String(format: "%.1f", wallSeconds)) s"]
        if let accuracy = summary.accuracy {
            lines.append("  accuracy    \(String(format: "%.1f", accuracy * 100))% (\(summary.correct) of \(summary.scored) scored)")
        }
        lines.append("  total cost  $\(String(format: "%.6f", summary.costUSD)) · tokens \(summary.usage.totalTokens)")
        let statuses = RunStatus.allCases.compactMap { status in summary.statuses[status].map { "\(status.rawValue) \($0)" } }
        lines.append("  status      \(statuses.joined(separator: " · "))")
        let topologies = summary.topologies.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        lines.append("  topologies  \(topologies.map { "\($0.key) \($0.value)" }.joined(separator: " · "))")
        var verification = [
            "\(summary.flaggedMessages) messages flagged", "\(summary.withheldDeliveries) deliveries withheld",
            "\(summary.quarantinedAgents) agents quarantined",
        ]
        if summary.verificationCalls > 0 {
            verification.append("\(summary.verificationCalls) re-asks ($\(String(format: "%.6f", summary.verificationCostUSD)))")
        }
        lines.append("  verify      \(verification.joined(separator: " · "))")
        if let rate = summary.meanPropagationRate {
            lines.append(
                "  propagation \(String(format: "%.1f", rate * 100))% of honest agents adopted the injected error (mean over \(summary.faultedRuns) runs)"
            )
        }
        Swift.print(lines.joined(separator: "\n"))
    }
}
