import GRDB

extension TraceStore {
    /// Writes a batch of one run's events in one transaction, in order; returns the row id of each message written.
    /// `known` holds the ids of the run's messages written by earlier batches, which deliveries may name. Throws
    /// `UnknownMessage` (and writes nothing) when a delivery names a message neither written nor in the batch.
    func write(_ events: [TraceEvent], runID: String, known: [TraceEvent.MessageKey: Int64]) async throws -> [TraceEvent.MessageKey: Int64] {
        try await writer.write { db in
            var ids = known
            var written: [TraceEvent.MessageKey: Int64] = [:]
            for event in events {
                switch event {
                case .runStarted(let run):
                    try Self.insert(run, into: db)
                case .plan(let rows):
                    try rows.insert(into: db)
                case .agents(let agents):
                    try Self.insert(agents, into: db)
                case .faults(let faults, let json):
                    try Self.markFaults(faults, json: json, runID: runID, in: db)
                case .message(let key, let row, let receipts, let checks):
                    let id = try Self.insert(row, receipts: receipts, checks: checks, ids: ids, runID: runID, into: db)
                    ids[key] = id
                    written[key] = id
                case .quarantine(let agent, let step):
                    try Self.markQuarantine(runID: runID, agent: agent, step: step, in: db)
                case .escalation(let record):
                    try Self.insert(record, into: db)
                case .heartbeat(let time):
                    try db.execute(
                        sql: "UPDATE runs SET heartbeatAt = ? WHERE id = ? AND status = ?",
                        arguments: [time, runID, RunStatus.running.rawValue]
                    )
                case .runFinished(let run):
                    try Self.update(run, in: db)
                }
            }
            return written
        }
    }

    /// Inserts a message with its deliveries, their consistency verdicts and its checks; returns its id.
    private static func insert(
        _ row: MessageRecord,
        receipts: [TraceEvent.Receipt],
        checks: [CheckResult],
        ids: [TraceEvent.MessageKey: Int64],
        runID: String,
        into db: Database
    ) throws -> Int64 {
        let (deliveries, verdicts) = try TraceEvent.deliveryRows(of: row, receipts: receipts, ids: ids, runID: runID)
        let messageID = try row.insertBound(db)
        for delivery in deliveries { try delivery.insertBound(db) }
        for verdict in verdicts + TraceEvent.checkRows(checks, messageID: messageID, runID: runID) { try verdict.insertBound(db) }
        return messageID
    }
}
