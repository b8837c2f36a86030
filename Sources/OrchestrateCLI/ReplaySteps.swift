import Foundation
import Orchestrator

/// A stored run step by step from each agent's side: what it was shown, with verdicts, and what it said.
struct ReplaySteps {
    var trace: RunTrace
    /// Only this step, when set.
    var onlyStep: Int?

    func render() -> String {
        let run = trace.run
        let messagesByID = Dictionary(uniqueKeysWithValues: trace.messages.compactMap { message in message.id.map { ($0, message) } })
        let agents = Dictionary(uniqueKeysWithValues: trace.agents.map { ($0.agentIndex, $0) })
        var lines = [
            "run \(run.id) · \(run.topology ?? "no plan") · \(trace.agents.count) agents · verify \(run.verificationPolicy) · task \(run.taskID)",
            "  query  \(clip(run.query, 150))",
        ]
        for step in trace.steps where onlyStep == nil || onlyStep == step {
            lines.append("")
            lines.append("step \(step)")
            let speakers = Set(trace.messages.filter { $0.step == step }.map(\.agentIndex)).sorted()
            for agent in speakers {
                let record = agents[agent]
                var head = "  agent #\(agent) \(record?.role ?? "?")"
                if let fault = record?.fault { head += " · FAULT \(fault)" }
                lines.append(head)
                let shown = trace.deliveries.filter { $0.step == step && $0.receiverIndex == agent }
                if shown.isEmpty {
                    lines.append("    shown   nothing from neighbours")
                } else {
                    for delivery in shown {
                        let answer = messagesByID[delivery.messageID]?.answer.map { oneLine($0, limit: 40) } ?? "no answer"
                        let detail = delivery.detail.map { " — \(clip($0, 80))" } ?? ""
                        lines.append("    shown   #\(delivery.senderIndex) → \(answer) [\(delivery.verdict)]\(detail)")
                    }
                }
                for message in trace.messages where message.step == step && message.agentIndex == agent {
                    let label = (message.purpose == MessagePurpose.turn.rawValue ? "said" : message.purpose).padding(
                        toLength: 6,
                        withPad: " ",
                        startingAt: 0
                    )
                    if let error = message.error {
                        lines.append("    \(label)  ✗ \(message.model): \(clip(error, 100))")
                    } else {
                        lines.append(
                            "    \(label)  → \(message.answer.map { oneLine($0, limit: 40) } ?? "no answer") (\(message.model)): \"\(clip(message.response ?? "", 90))\""
                        )
                    }
                }
                if let quarantined = record?.quarantinedAtStep, quarantined == step + 1 {
                    lines.append("    quarantined from step \(quarantined)")
                }
            }
            for decision in trace.escalations where decision.step == step + 1 {
                lines.append(
                    "  cascade: #\(decision.toAgent) \(decision.escalated ? "runs" : "skipped") — \(clip(decision.reason, 100))"
                )
            }
        }
        lines.append("")
        lines.append(
            "answer \(run.answer.map { oneLine($0, limit: 200) } ?? "(none)")\(run.expectedAnswer.map { " · expected \($0)" } ?? "")\(run.score.map { String(format: " · score %.2f", $0) } ?? "")"
        )
        return lines.joined(separator: "\n")
    }

    func clip(_ text: String, _ limit: Int) -> String { oneLine(text, limit: limit) }
}
