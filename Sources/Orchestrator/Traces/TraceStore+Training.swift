import Foundation
import GRDB

/// A stored run as off-policy training reads it: the task, what it earned, and the decisions that planned it.
public struct StoredPlan: Sendable {
    public var run: RunRecord
    public var task: OrchestrationTask
    public var decisions: [Decision]
}

extension TraceStore {
    /// Runs that got a plan and finished (completed or stopped), oldest first, with their decisions, each scored by
    /// its latest feedback when it has any (`recordFeedback`); `limit` keeps the newest ones. Replays (the controller
    /// planned nothing) and runs whose task JSON cannot be read are skipped.
    public func storedPlans(limit: Int? = nil) async throws -> [StoredPlan] {
        let chosen = TraceQuery(
            """
            FROM "runs" WHERE "topology" IS NOT NULL AND "replayOf" IS NULL AND "status" IN ('completed', 'stopped')
            ORDER BY "startedAt" DESC, "id" DESC
            """ + (limit == nil ? "" : " LIMIT ?"),
            limit.map { [.integer(Int64($0))] } ?? []
        )
        var runs = Array(try await records(TraceQuery("SELECT * ") + chosen, as: RunRecord.self).reversed())
        // A run scored after it ran is trained on its latest feedback, as on an expected answer's score.
        let feedback = try await latestFeedbackScores(ofRuns: chosen)
        for index in runs.indices {
            if let score = feedback[runs[index].id] { runs[index].score = score }
        }
        // One query for every decision of the chosen runs, grouped in memory.
        var decisionsByRun: [String: [DecisionRecord]] = [:]
        let decisions =
            TraceQuery("SELECT * FROM \"decisions\" WHERE \"runID\" IN (SELECT \"id\" ") + chosen
            + TraceQuery(") ORDER BY \"runID\", \"sequence\"")
        for row in try await records(decisions, as: DecisionRecord.self) {
            decisionsByRun[row.runID, default: []].append(row)
        }
        let decoder = JSONDecoder()
        var plans: [StoredPlan] = []
        for run in runs {
            guard let task = try? run.task(using: decoder) else { continue }
            let rows = decisionsByRun[run.id] ?? []
            let decisions = rows.compactMap { try? $0.decision(using: decoder) }
            guard decisions.count == rows.count, !decisions.isEmpty else { continue }
            plans.append(StoredPlan(run: run, task: task, decisions: decisions))
        }
        return plans
    }

    /// How many finished, planned runs of a catalogue have a score (an expected answer's, a recorded outcome's or
    /// feedback's), plus the feedback given: a number that grows with every newly scored run, for a learner to count.
    public func scoredRunCount(catalogHash: String) async throws -> Int {
        let rows = try await rows(
            TraceQuery(
                """
                SELECT (SELECT COUNT(*) FROM "runs" WHERE "catalogHash" = ? AND "score" IS NOT NULL AND "topology" IS NOT NULL
                AND "replayOf" IS NULL) + (SELECT COUNT(*) FROM "feedback") AS "scored"
                """,
                [.text(catalogHash)]
            )
        )
        return rows.first.map { Int($0["scored"] as Int64? ?? 0) } ?? 0
    }
}
