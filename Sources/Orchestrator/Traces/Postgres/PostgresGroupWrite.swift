import Foundation
import PostgresNIO

/// One transaction's batches, at most one a run, written to PostgreSQL table by table: every run's mark claimed in
/// one statement, every message's id drawn from the sequence in one, then each table's rows of all the batches in one
/// multi-row insert, the few updates that are not inserts (an earlier run's end, quarantines, heartbeats) one by one,
/// and the marks set in one. About ten round trips for a group of any size, where a batch alone took about seven.
///
/// Rows go in in an order that keeps every reference good (runs, then their decisions and agents, then messages, then
/// what names them, then updates of rows written before); within a table, in the batches' order.
struct PostgresGroupWrite {
    let engine: PostgresTraceEngine
    let batches: [RunBatch]

    /// What the batches hold, table by table.
    private struct Rows {
        var runs: [RunRecord] = []
        var decisions: [DecisionRecord] = []
        var agents: [AgentRecord] = []
        var messages: [MessageRecord] = []
        var messageIDs: [Int64] = []
        var deliveries: [DeliveryRecord] = []
        var verifications: [VerificationRecord] = []
        var escalations: [EscalationRecord] = []
        /// Statements run after the inserts, in order.
        var updates: [(sql: String, values: [TraceValue])] = []
    }

    /// Writes the batches; returns, for each, the id of each message it wrote (or its first write gave).
    func run(on connection: PostgresConnection) async throws -> [[TraceEvent.MessageKey: Int64]] {
        let numbered = batches.filter { $0.number != nil }.map(\.runID)
        let marks = try await engine.claimMarks(of: numbered, on: connection)
        var results = [[TraceEvent.MessageKey: Int64]?](repeating: nil, count: batches.count)
        var writing: [Int] = []
        for (index, batch) in batches.enumerated() {
            if let number = batch.number, let ids = try (marks[batch.runID] ?? .none).written(number, runID: batch.runID) {
                results[index] = ids
            } else {
                writing.append(index)
            }
        }
        let messageCount = writing.reduce(0) { count, index in
            count + batches[index].events.count { if case .message = $0 { true } else { false } }
        }
        var freshIDs = try await engine.messageIDs(messageCount, on: connection)[...]
        var rows = Rows()
        var savedMarks: [(runID: String, mark: RunWriteMark)] = []
        for index in writing {
            let batch = batches[index]
            let written = try collect(batch, ids: &freshIDs, into: &rows)
            results[index] = written
            if let number = batch.number { savedMarks.append((batch.runID, .after(number, messageIDs: written))) }
        }
        try await engine.insert(rows.runs, on: connection)
        try await engine.insert(rows.decisions, on: connection)
        try await engine.insert(rows.agents, on: connection)
        try await engine.insert(rows.messages, ids: rows.messageIDs, on: connection)
        try await engine.insert(rows.deliveries, on: connection)
        try await engine.insert(rows.verifications, on: connection)
        try await engine.insert(rows.escalations, on: connection)
        for update in rows.updates { try await engine.execute(update.sql, update.values, on: connection) }
        try await engine.saveMarks(savedMarks, on: connection)
        return results.map { $0 ?? [:] }
    }

    /// Adds one batch's rows; returns the id each of its messages gets.
    private func collect(_ batch: RunBatch, ids freshIDs: inout ArraySlice<Int64>, into rows: inout Rows) throws -> [TraceEvent.MessageKey: Int64] {
        let runID = batch.runID
        var ids = batch.known
        var written: [TraceEvent.MessageKey: Int64] = [:]
        let (events, runRowIsFinal) = batch.written
        for event in events {
            switch event {
            case .runStarted(let run):
                rows.runs.append(run)
            case .plan(let plan):
                rows.decisions += plan.decisions
                rows.agents += plan.agents
                guard !runRowIsFinal else { continue }
                rows.updates.append(
                    (
                        "UPDATE \"runs\" SET \"topology\" = $1, \"agentCount\" = $2, \"planLogProbability\" = $3, \"planJSON\" = $4 WHERE \"id\" = $5",
                        [.text(plan.topology), .integer(Int64(plan.agentCount)), .double(plan.logProbability), .text(plan.planJSON), .text(runID)]
                    )
                )
            case .agents(let agents):
                rows.agents += agents
            case .faults(let faults, let json):
                for fault in faults {
                    rows.updates.append(
                        (
                            "UPDATE \"agents\" SET \"fault\" = $1 WHERE \"runID\" = $2 AND \"agentIndex\" = $3",
                            [.text(fault.kind.rawValue), .text(runID), .integer(Int64(fault.agent))]
                        )
                    )
                }
                guard !runRowIsFinal else { continue }
                rows.updates.append(("UPDATE \"runs\" SET \"faultsJSON\" = $1 WHERE \"id\" = $2", [json.map { .text($0) } ?? .null, .text(runID)]))
            case .message(let key, let row, let receipts, let checks):
                let (deliveries, verdicts) = try TraceEvent.deliveryRows(of: row, receipts: receipts, ids: ids, runID: runID)
                guard let id = freshIDs.popFirst() else { throw TraceStoreError(description: "\(engine.location): too few message ids drawn") }
                rows.messages.append(row)
                rows.messageIDs.append(id)
                rows.deliveries += deliveries
                rows.verifications += verdicts + TraceEvent.checkRows(checks, messageID: id, runID: runID)
                ids[key] = id
                written[key] = id
            case .quarantine(let agent, let step):
                rows.updates.append(
                    (
                        "UPDATE \"agents\" SET \"quarantinedAtStep\" = $1 WHERE \"runID\" = $2 AND \"agentIndex\" = $3",
                        [.integer(Int64(step)), .text(runID), .integer(Int64(agent))]
                    )
                )
            case .escalation(let record):
                rows.escalations.append(record)
            case .heartbeat(let time):
                rows.updates.append(
                    (
                        "UPDATE \"runs\" SET \"heartbeatAt\" = $1::timestamp WHERE \"id\" = $2 AND (\"status\" = $3 OR $4)",
                        [.text(DatabaseTimestamp.text(time)), .text(runID), .text(RunStatus.running.rawValue), .boolean(runRowIsFinal)]
                    )
                )
            case .runFinished(let run):
                let values = PostgresTraceEngine.values(of: run)
                rows.updates.append((PostgresTraceEngine.runUpdate, Array(values.dropFirst()) + [values[0]]))
            }
        }
        return written
    }
}
