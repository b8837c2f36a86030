import Foundation
import Orchestrator

extension TraceViewer {
    struct RunPage {
        var title: String
        var navigation = Navigation(runs: true)
        var store: String
        var run: RunRow
        var query: String
        var error: String?
        var stopReason: String?
        var graph: Graph
        var timeline: Timeline
        var messages: [Message]
        var escalations: [Escalation]
        var hasEscalations: Bool
        /// Scores given after the run (oldest first; the latest counts).
        var feedback: [Feedback]
        var hasFeedback: Bool
    }

    struct Feedback {
        var given: String
        var score: String
        var source: String
        var note: String?
    }

    /// The agents as boxes and every delivery as an edge coloured by its verdict.
    struct Graph {
        struct Node {
            /// One line of text in the box, cut to fit it.
            struct Line {
                /// The line's centre (the text is centred) and baseline.
                var x: Double
                var y: Double
                var text: String
                var kind: String
            }

            var index: Int
            /// The box's top left corner and size.
            var x: Double
            var y: Double
            var width: Double
            var height: Double
            var lines: [Line]
            /// Everything the lines tell, uncut.
            var title: String
            var classes: String
        }

        struct Edge {
            var path: String
            var verdict: String
            var title: String
        }

        var width: Double
        var height: Double
        var nodes: [Node]
        var edges: [Edge]
    }

    /// The run's calls as bars by latency, one row per agent.
    struct Timeline {
        struct Row {
            var y: Double
            /// The agent and its role, cut to fit left of the bars.
            var label: String
            var full: String
        }

        struct Bar {
            var x: Double
            var y: Double
            var width: Double
            var kind: String
            var title: String
        }

        struct Tick {
            var x: Double
            var label: String
        }

        var width: Double
        var height: Double
        var rows: [Row]
        var bars: [Bar]
        var ticks: [Tick]
    }

    struct Message {
        struct Check {
            var name: String
            var outcome: String
            var detail: String
        }

        var id: String
        var step: Int
        var agent: Int
        var role: String
        var model: String
        var purpose: String
        var status: String
        var prompt: String
        var response: String
        var answer: String
        var checks: [Check]
        var tokens: String
        var cost: String
        var latency: String
        var recovery: String?
    }

    struct Escalation {
        var step: Int
        var route: String
        var decision: String
        var reason: String
    }

    func runPage(reference: String) async throws -> RunPage {
        let trace = try await store.trace(reference: reference)
        let run = trace.run
        return RunPage(
            title: "Run \(TraceIDs.short(run.id))",
            store: store.name,
            run: RunRow(run),
            query: run.query,
            error: run.error,
            stopReason: run.stopReason,
            graph: Self.graph(of: trace),
            timeline: Self.timeline(of: trace),
            messages: Self.messages(of: trace),
            escalations: trace.escalations.map {
                Escalation(
                    step: $0.step,
                    route: "agent \($0.fromAgent) (\($0.fromModel)) → agent \($0.toAgent) (\($0.toModel))",
                    decision: $0.escalated ? "escalated" : "skipped",
                    reason: $0.reason
                )
            },
            hasEscalations: !trace.escalations.isEmpty,
            feedback: trace.feedback.map {
                Feedback(given: TraceCells.moment($0.givenAt), score: String(format: "%.3f", $0.score), source: $0.source, note: $0.note)
            },
            hasFeedback: !trace.feedback.isEmpty
        )
    }

    /// An agent's box: wide enough for `boxCharacters` characters of the graph's 11 px text at the widest glyph width
    /// the viewer's fonts have (`glyphWidth`), and tall enough for four lines.
    static let box = (width: 156.0, height: 70.0, padding: 8.0, lineHeight: 14.0)
    static let glyphWidth = 6.9
    static var boxCharacters: Int { Int((box.width - 2 * box.padding) / glyphWidth) }

    /// A label cut to fit a box: at most `boxCharacters` characters, an ellipsis where it was cut.
    static func fitted(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > boxCharacters ? String(line.prefix(boxCharacters - 1)) + "…" : line
    }

    /// Agents as boxes on an ellipse inside the canvas (one in the middle when alone; the canvas grows past eight
    /// agents); each box holds the agent's index and role, model, latest answer and any mark, every line cut to fit.
    /// A delivery from sender to receiver is a curve from box edge to box edge, bent further for each earlier delivery
    /// between the same two agents so that every one stays visible.
    static func graph(of trace: RunTrace) -> Graph {
        let count = max(trace.agents.count, 1)
        let grow = max(1, Double(count) / 8)
        let (width, height) = (640.0 * grow, 420.0 * grow)
        let centre = (x: width / 2, y: height / 2)
        let margin = 12.0
        let radius = (x: width / 2 - box.width / 2 - margin, y: height / 2 - box.height / 2 - margin)
        var positions: [Int: (x: Double, y: Double)] = [:]
        var latest: [Int: String] = [:]
        for message in trace.messages where message.answer != nil { latest[message.agentIndex] = message.answer }
        let nodes = trace.agents.enumerated().map { offset, agent -> Graph.Node in
            let angle = -Double.pi / 2 + 2 * Double.pi * Double(offset) / Double(count)
            let position = count == 1 ? centre : (x: centre.x + radius.x * cos(angle), y: centre.y + radius.y * sin(angle))
            positions[agent.agentIndex] = position
            var classes = ["agent"]
            var marks: [String] = []
            if let fault = agent.fault {
                classes.append("faulty")
                marks.append("fault: \(fault)")
            }
            if let step = agent.quarantinedAtStep {
                classes.append("quarantined")
                marks.append("quarantined from step \(step)")
            }
            let answer = latest[agent.agentIndex] ?? "—"
            var texts = [("\(agent.agentIndex) · \(agent.role)", "role"), (agent.model, "model"), (answer, "answer")]
            if !marks.isEmpty { texts.append((marks.joined(separator: " · "), "mark")) }
            let top = position.y - box.height / 2
            let first = top + box.padding + 9 + (4 - Double(texts.count)) * box.lineHeight / 2
            return Graph.Node(
                index: agent.agentIndex,
                x: position.x - box.width / 2,
                y: top,
                width: box.width,
                height: box.height,
                lines: texts.enumerated().map { line, text in
                    Graph.Node.Line(x: position.x, y: first + Double(line) * box.lineHeight, text: fitted(text.0), kind: text.1)
                },
                title: "agent \(agent.agentIndex): \(agent.role) on \(agent.model), latest answer \(answer.prefix(200))"
                    + (marks.isEmpty ? "" : " (\(marks.joined(separator: " · ")))"),
                classes: classes.joined(separator: " ")
            )
        }
        var seen: [String: Int] = [:]
        let edges = trace.deliveries.compactMap { delivery -> Graph.Edge? in
            guard let from = positions[delivery.senderIndex], let to = positions[delivery.receiverIndex] else { return nil }
            let pair = "\(delivery.senderIndex)>\(delivery.receiverIndex)"
            let earlier = seen[pair, default: 0]
            seen[pair] = earlier + 1
            let (dx, dy) = (to.x - from.x, to.y - from.y)
            let length = max((dx * dx + dy * dy).squareRoot(), 1)
            let bend = 18.0 + 12.0 * Double(earlier)
            let control = (x: (from.x + to.x) / 2 - dy / length * bend, y: (from.y + to.y) / 2 + dx / length * bend)
            // From the sender's box edge to just outside the receiver's, so that the arrowhead shows.
            let start = boxEdge(of: from, towards: control, gap: 0)
            let end = boxEdge(of: to, towards: control, gap: 4)
            let path = String(format: "M %.1f %.1f Q %.1f %.1f %.1f %.1f", start.x, start.y, control.x, control.y, end.x, end.y)
            let detail = delivery.detail.map { ": \($0)" } ?? ""
            return Graph.Edge(
                path: path,
                verdict: delivery.verdict,
                title: "step \(delivery.step): agent \(delivery.senderIndex) → agent \(delivery.receiverIndex), \(delivery.verdict)\(detail)"
            )
        }
        return Graph(width: width, height: height, nodes: nodes, edges: edges)
    }

    /// Where the line from a box's centre towards `point` leaves the box, `gap` beyond.
    static func boxEdge(of centre: (x: Double, y: Double), towards point: (x: Double, y: Double), gap: Double) -> (x: Double, y: Double) {
        let (dx, dy) = (point.x - centre.x, point.y - centre.y)
        let length = max((dx * dx + dy * dy).squareRoot(), 1)
        let (ux, uy) = (dx / length, dy / length)
        let reach = min(abs(ux) > 1e-9 ? box.width / 2 / abs(ux) : .infinity, abs(uy) > 1e-9 ? box.height / 2 / abs(uy) : .infinity)
        return (centre.x + ux * (reach + gap), centre.y + uy * (reach + gap))
    }

    /// Each call from the run's start, as long as it took: answered, failed, a retry, or a fallback's.
    static func timeline(of trace: RunTrace) -> Timeline {
        let (left, width, rowHeight) = (150.0, 820.0, 26.0)
        let start = trace.run.startedAt
        let end = trace.messages.map(\.finishedAt).max() ?? start
        let span = max(end.timeIntervalSince(start), 0.001)
        let scale = (width - left - 40) / span
        let agents = trace.agents.map(\.agentIndex)
        let rows = trace.agents.enumerated().map { offset, agent in
            let full = "\(agent.agentIndex) · \(agent.role)"
            return Timeline.Row(y: Double(offset) * rowHeight + 16, label: full.count > 22 ? full.prefix(21) + "…" : full, full: full)
        }
        let bars = trace.messages.compactMap { message -> Timeline.Bar? in
            guard let row = agents.firstIndex(of: message.agentIndex) else { return nil }
            let kind =
                message.error != nil ? "failed" : message.fallbackFrom != nil ? "fallback" : message.attempt > 1 ? "retry" : "answered"
            return Timeline.Bar(
                x: left + message.startedAt.timeIntervalSince(start) * scale,
                y: Double(row) * rowHeight + 4,
                width: max(message.latencyMilliseconds / 1000 * scale, 2),
                kind: kind,
                title: "step \(message.step) · \(message.model) · \(kind) · \(String(format: "%.0f", message.latencyMilliseconds)) ms"
            )
        }
        let ticks = (0...4).map { index in
            let seconds = span * Double(index) / 4
            return Timeline.Tick(x: left + seconds * scale, label: String(format: "%.2f s", seconds))
        }
        return Timeline(width: width, height: Double(max(rows.count, 1)) * rowHeight + 30, rows: rows, bars: bars, ticks: ticks)
    }

    static func messages(of trace: RunTrace) -> [Message] {
        let checks = Dictionary(grouping: trace.verifications.filter { $0.receiverIndex == nil }, by: \.messageID)
        return trace.messages.map { message in
            Message(
                id: message.id.map(String.init) ?? "",
                step: message.step,
                agent: message.agentIndex,
                role: message.role,
                model: message.model,
                purpose: message.purpose,
                status: message.error == nil ? "answered" : "failed",
                prompt: Self.prompt(message.promptJSON),
                response: message.response ?? message.error ?? "",
                answer: message.answer ?? "—",
                checks: (message.id.flatMap { checks[$0] } ?? []).map { Message.Check(name: $0.checkName, outcome: $0.outcome, detail: $0.detail) },
                tokens: "\(message.promptTokens) in / \(message.completionTokens) out\(message.tokensEstimated ? " (estimated)" : "")",
                cost: String(format: "$%.6f", message.costUSD),
                latency: String(format: "%.0f ms", message.latencyMilliseconds),
                recovery: message.recovery
            )
        }
    }

    /// A stored prompt (a JSON array of chat messages) as text: each message's role, then its content.
    static func prompt(_ json: String) -> String {
        guard let messages = try? JSONDecoder().decode([ChatMessage].self, from: Data(json.utf8)) else { return json }
        return messages.map { "[\($0.role.rawValue)]\n\($0.content)" }.joined(separator: "\n\n")
    }
}
