import Foundation
import GRDB

/// A stored run as off-policy training reads it: the task, what it earned, and the decisions that planned it.
public struct StoredPlan: Sendable {
    public var run: RunRecord
    public var task: OrchestrationTask
    public var decisions: [Decision]
}

extension TraceStore {
    /// Runs that got a plan and finished (completed or stopped), oldest first, with their decisions; `limit`
    /// keeps the newest ones. Replays (the controller planned nothing) and runs whose task JSON cannot be read
    /// are skipped.
    public func storedPlans(limit: Int? = nil) async throws -> [StoredPlan] {
        try await writer.read { db in
            var request = RunRecord.filter(
                Column("topology") != nil && Column("replayOf") == nil && ["completed", "stopped"].contains(Column("status"))
            )
            .order(Column("startedAt").desc)
            if let limit { request = request.limit(limit) }
            let runs = try request.fetchAll(db).reversed()
            // One query for every decision of the chosen runs, grouped in memory.
            var decisionsByRun: [String: [DecisionRecord]] = [:]
            let chosen = Set(runs.map(\.id))
            let cursor = try DecisionRecord.order(Column("runID"), Column("sequence")).fetchCursor(db)
            while let row = try cursor.next() {
                if chosen.contains(row.runID) { decisionsByRun[row.runID, default: []].append(row) }
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
    }
}
