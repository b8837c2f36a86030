import Foundation
import MCP
import Orchestrator

extension MCPToolbox {
    /// The `run` tool: the task through the team, a progress notification per agent turn when the call carries a
    /// progress token, the answer with score, cost and run id. A failed run is an error result that keeps its run id.
    func run(_ given: [String: Value]?, progressToken: ProgressToken?, server: Server) async throws -> CallTool.Result {
        let arguments = try MCPArguments(given, tool: "run", allowed: Self.allowedArguments(of: "run"))
        let request = TaskRequest(
            query: try arguments.requiredString("query"),
            topology: try arguments.string("topology", longest: 200),
            agents: try arguments.integer("agents", in: 1...Budget.agentLimit),
            domain: try arguments.oneOf("domain", as: Domain.self),
            expected: try arguments.string("expected", longest: 10_000),
            answerKind: try arguments.oneOf("answer_kind", as: AnswerKind.self),
            maxCostUSD: try arguments.number("max_cost_usd", in: 0...1_000_000),
            deadlineSeconds: try arguments.number("deadline_seconds", in: 0...86_400),
            taskID: try arguments.string("task_id", longest: 200),
            idPrefix: "mcp"
        )
        let verify = try arguments.oneOf("verify", as: VerificationPolicy.self)
        let seed = try arguments.integer("seed", in: 0...Int.max).map { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        let task: OrchestrationTask
        do {
            task = try request.task(parser: orchestrator.taskParser)
        } catch {
            throw MCPArgumentError(tool: "run", argument: Self.argumentName(of: error.field), problem: error.problem)
        }
        if let failure = await orchestrator.store.writeFailure() {
            return Self.failure("run: the trace store cannot record runs, so nothing was run: \(failure.description)")
        }
        var runner = planner(seed)
        if let verify { runner = runner.with(verification: verify) }
        let result = try await runReportingProgress(task, seed: seed, by: runner, token: progressToken, server: server)
        var report = try Self.value(ChatCompletionResponse.Details(result))
        if case .object(var fields) = report {
            fields["answer"] = result.answer.map { .string($0) } ?? .null
            fields["task_id"] = .string(task.id)
            fields["seed"] = .string(String(seed))
            if let error = result.error { fields["error"] = .string(error) }
            report = .object(fields)
        }
        guard result.status != .failed else {
            return Self.failure("run \(result.runID) failed: \(result.error ?? "no agent answered")", structured: report)
        }
        let score = result.score.map { String(format: "%.2f", $0) } ?? "—"
        let summary =
            "\(result.answer ?? "(no answer)")\n\nrun \(result.runID) · \(result.status.rawValue) · score \(score) · cost $\(String(format: "%.6f", result.costUSD))"
        return try Self.success(report, summary: summary)
    }

    /// Runs the task as a run in flight, sending each agent's finished turn to the client as a progress notification
    /// (in order, all sent before the result).
    func runReportingProgress(
        _ task: OrchestrationTask,
        seed: UInt64,
        by runner: Orchestrator,
        token: ProgressToken?,
        server: Server
    ) async throws -> RunResult {
        let permits = self.permits
        guard let token else {
            return try await inFlight.run { try await permits.withPermit { try await runner.run(task, seed: seed) } }
        }
        let (turns, continuation) = AsyncStream<AgentProgress>.makeStream()
        let forwarding = Task {
            var count = 0
            for await turn in turns {
                count += 1
                let notification = ProgressNotification.message(.init(progressToken: token, progress: Double(count), message: Self.describe(turn)))
                try? await server.notify(notification)
            }
        }
        defer { forwarding.cancel() }
        let result = try await inFlight.run {
            try await permits.withPermit { try await runner.run(task, seed: seed) { continuation.yield($0) } }
        }
        continuation.finish()
        await forwarding.value
        if progressSettle > .zero { try? await Task.sleep(for: progressSettle) }
        return result
    }

    /// One agent's turn in a progress message: who answered what, the answer cut to one short line.
    static func describe(_ turn: AgentProgress) -> String {
        let answer = turn.answer.map { excerpt($0, limit: 160) } ?? (turn.error.map { "failed: \(excerpt($0, limit: 160))" } ?? "no answer")
        return "step \(turn.step) · agent \(turn.agent) (\(turn.role), \(turn.model)): \(answer)"
    }

    /// Model output as one line of at most `limit` characters: control characters and runs of white space become one
    /// space.
    static func excerpt(_ text: String, limit: Int) -> String {
        var line = ""
        var lastWasSpace = false
        for character in text {
            let isSpace = character.isWhitespace || character.unicodeScalars.allSatisfy { CharacterSet.controlCharacters.contains($0) }
            if isSpace {
                if !lastWasSpace, !line.isEmpty { line.append(" ") }
                lastWasSpace = true
            } else {
                line.append(character)
                lastWasSpace = false
            }
            if line.count > limit { break }
        }
        line = line.trimmingCharacters(in: .whitespaces)
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }

    /// The `run` argument a task file's field comes from (`constraints.topology` → `topology`).
    static func argumentName(of field: String) -> String {
        let names = [
            "constraints.topology": "topology", "constraints.agentCount": "agents", "budget.maxCostUSD": "max_cost_usd",
            "budget.deadlineSeconds": "deadline_seconds", "expected.value": "expected", "expected.kind": "answer_kind",
            "answerKind": "answer_kind", "id": "task_id",
        ]
        return names[field] ?? field
    }
}
