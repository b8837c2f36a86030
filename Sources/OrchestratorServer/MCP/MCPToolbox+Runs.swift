import Foundation
import MCP
import Orchestrator

extension MCPToolbox {
    /// `list_runs`: stored runs, newest first.
    func listRuns(_ given: [String: Value]?) async throws -> CallTool.Result {
        let arguments = try MCPArguments(given, tool: "list_runs", allowed: Self.allowedArguments(of: "list_runs"))
        var filter = RunFilter(limit: try arguments.integer("limit", in: 1...1000) ?? 20)
        filter.status = try arguments.oneOf("status", as: RunStatus.self)
        filter.topology = try arguments.string("topology", longest: 200)
        filter.model = try arguments.string("model", longest: 200)
        filter.taskID = try arguments.string("task_id", longest: 200)
        let runs = try await orchestrator.store.runs(matching: filter)
        let lines = runs.map { run in
            let score = run.score.map { String(format: "%.2f", $0) } ?? "—"
            let answer = run.answer.map { Self.excerpt($0, limit: 60) } ?? "—"
            return "\(run.id) · \(run.status.rawValue) · \(run.topology ?? "—") · score \(score) · \(answer)"
        }
        return try Self.success(["runs": try Self.value(runs)], summary: runs.isEmpty ? "no runs" : lines.joined(separator: "\n"))
    }

    /// `show_run`: a stored run's whole trace.
    func showRun(_ given: [String: Value]?) async throws -> CallTool.Result {
        let arguments = try MCPArguments(given, tool: "show_run", allowed: Self.allowedArguments(of: "show_run"))
        let trace = try await orchestrator.store.trace(reference: try arguments.requiredString("run_id", longest: 200))
        return try Self.success(try Self.value(trace))
    }

    /// `replay_run`: a stored run executed again on its recorded responses, recorded as a new run, with what changed.
    func replayRun(_ given: [String: Value]?) async throws -> CallTool.Result {
        let arguments = try MCPArguments(given, tool: "replay_run", allowed: Self.allowedArguments(of: "replay_run"))
        let reference = try arguments.requiredString("run_id", longest: 200)
        let verify = try arguments.oneOf("verify", as: VerificationPolicy.self)
        let original = try await orchestrator.store.trace(reference: reference)
        let outcome: ReplayOutcome
        do {
            let permits = self.permits
            let orchestrator = self.orchestrator
            outcome = try await inFlight.run { try await permits.withPermit { try await orchestrator.replay(original, verification: verify) } }
        } catch let error as ReplayError {
            return Self.failure("replay_run: \(error.description)")
        }
        let report: Value = [
            "run_id": .string(outcome.replay.runID),
            "replay_of": .string(original.run.id),
            "status": .string(outcome.replay.status.rawValue),
            "answer": outcome.replay.answer.map { .string($0) } ?? .null,
            "changes": try Self.value(outcome.changes),
            "misses": .int(outcome.misses.count),
        ]
        let changed =
            outcome.changes.isEmpty
            ? "no change: the replay reproduces the stored run"
            : outcome.changes.map { "\($0.field): \(Self.excerpt($0.before, limit: 60)) → \(Self.excerpt($0.after, limit: 60))" }.joined(
                separator: "\n"
            )
        return try Self.success(report, summary: "replay \(outcome.replay.runID) of \(original.run.id)\n\(changed)")
    }

    /// `feedback`: a score from 0 to 1 and an optional note for a stored run.
    func feedback(_ given: [String: Value]?) async throws -> CallTool.Result {
        let arguments = try MCPArguments(given, tool: "feedback", allowed: Self.allowedArguments(of: "feedback"))
        let reference = try arguments.requiredString("run_id", longest: 200)
        guard let score = try arguments.number("score", in: 0...1) else {
            throw MCPArgumentError(tool: "feedback", argument: "score", problem: "required: a number from 0 to 1")
        }
        let note = try arguments.string("note", longest: FeedbackRecord.longestNote)
        let record: FeedbackRecord
        do {
            record = try await orchestrator.store.recordFeedback(on: reference, score: score, note: note, source: "mcp")
        } catch let error as FeedbackError {
            throw MCPArgumentError(tool: "feedback", argument: error.field, problem: error.problem)
        }
        let report: Value = ["run_id": .string(record.runID), "score": .double(record.score), "note": record.note.map { .string($0) } ?? .null]
        return try Self.success(report, summary: "run \(record.runID): feedback \(record.score) recorded")
    }
}
