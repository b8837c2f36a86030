import GRDB

extension SQLiteTraceEngine {
    func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]] {
        try await guardedWrite(batches.count == 1 ? "write a run's events" : "write \(batches.count) runs' events") { db in
            try batches.map { try Self.write($0, in: db) }
        }
    }

    /// Writes one run's batch inside the caller's transaction; returns the row id of each message written.
    private static func write(_ batch: RunBatch, in db: Database) throws -> [TraceEvent.MessageKey: Int64] {
        let runID = batch.runID
        if let number = batch.number, let ids = try mark(of: runID, in: db).written(number, runID: runID) { return ids }
        var ids = batch.known
        var written: [TraceEvent.MessageKey: Int64] = [:]
        let (events, runRowIsFinal) = batch.written
        for event in events {
            switch event {
            case .runStarted(let run):
                try run.insertBound(db)
            case .plan(let rows):
                try rows.insert(into: db, updatingRun: !runRowIsFinal)
            case .agents(let agents):
                for agent in agents { try agent.insertBound(db) }
            case .faults(let faults, let json):
                try markFaults(faults, json: runRowIsFinal ? nil : json, runID: runID, in: db)
            case .message(let key, let row, let receipts, let checks):
                let id = try insert(row, receipts: receipts, checks: checks, ids: ids, runID: runID, into: db)
                ids[key] = id
                written[key] = id
            case .quarantine(let agent, let step):
                try markQuarantine(runID: runID, agent: agent, step: step, in: db)
            case .escalation(let record):
                try record.insertBound(db)
            case .heartbeat(let time):
                try db.executeBound(
                    "UPDATE runs SET heartbeatAt = ? WHERE id = ? AND (status = ? OR ?)",
                    [DatabaseTimestamp.value(time), runID.databaseValue, RunStatus.running.rawValue.databaseValue, runRowIsFinal.databaseValue]
                )
            case .runFinished(let run):
                try run.updateBound(db)
            }
        }
        if let number = batch.number { try save(.after(number, messageIDs: written), of: runID, in: db) }
        return written
    }

    /// How many of a run's batches are written.
    private static func mark(of runID: String, in db: Database) throws -> RunWriteMark {
        let statement = try db.cachedStatement(sql: "SELECT batches, messageIDs FROM runWrites WHERE runID = ?")
        guard let row = try Row.fetchOne(statement, arguments: [runID]) else {
            return .none
        }
        return try RunWriteMark(batches: row["batches"], messageIDsText: row["messageIDs"], runID: runID)
    }

    /// Keeps a run's mark, inside the transaction of the batch it counts.
    private static func save(_ mark: RunWriteMark, of runID: String, in db: Database) throws {
        try db.executeBound(
            """
            INSERT INTO runWrites (runID, batches, messageIDs) VALUES (?, ?, ?)
            ON CONFLICT (runID) DO UPDATE SET batches = excluded.batches, messageIDs = excluded.messageIDs
            """,
            [runID.databaseValue, mark.batches.databaseValue, mark.messageIDsText.databaseValue]
        )
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

    /// Marks faulty agents and, given its JSON, the run's faults inside the caller's transaction.
    static func markFaults(_ faults: [InjectedFault], json: String?, runID: String, in db: Database) throws {
        for fault in faults {
            try db.execute(
                sql: "UPDATE agents SET fault = ? WHERE runID = ? AND agentIndex = ?",
                arguments: [fault.kind.rawValue, runID, fault.agent]
            )
        }
        guard let json else { return }
        try db.execute(sql: "UPDATE runs SET faultsJSON = ? WHERE id = ?", arguments: [json, runID])
    }

    /// Marks a quarantine inside the caller's transaction.
    static func markQuarantine(runID: String, agent: Int, step: Int, in db: Database) throws {
        try db.execute(
            sql: "UPDATE agents SET quarantinedAtStep = ? WHERE runID = ? AND agentIndex = ?",
            arguments: [step, runID, agent]
        )
    }

    /// Applies pending migrations. GRDB reads which migrations are applied before it takes the write lock,
    /// so two processes opening a new database at once can both try the same migration; the loser's
    /// transaction fails and rolls back, and it checks again, finding the migration applied.
    func migrate() throws {
        var attempts = 0
        while true {
            do {
                try TraceStore.migrator.migrate(writer)
                return
            } catch {
                attempts += 1
                if try writer.read({ try TraceStore.migrator.hasCompletedMigrations($0) }) { return }
                if attempts >= 5 { throw error }
            }
        }
    }
}

extension TraceStore.PlanRows {
    /// Inserts the plan's rows inside the caller's transaction, and sets the run's plan columns unless told its row
    /// has them already.
    func insert(into db: Database, updatingRun: Bool = true) throws {
        for decision in decisions { try decision.insertBound(db) }
        for agent in agents { try agent.insertBound(db) }
        guard updatingRun else { return }
        try db.executeBound(
            "UPDATE runs SET topology = ?, agentCount = ?, planLogProbability = ?, planJSON = ? WHERE id = ?",
            [topology.databaseValue, agentCount.databaseValue, logProbability.databaseValue, planJSON.databaseValue, runID.databaseValue]
        )
    }
}

extension SQLiteTraceEngine {
    func insert(_ trace: RunTrace) async throws -> Bool {
        try await guardedWrite("copy in a run", within: TraceStoreGuard.copyLimit) { db in
            guard try !RunRecord.exists(db, key: trace.run.id) else { return false }
            try trace.run.insertBound(db)
            for decision in trace.decisions { try decision.insertBound(db) }
            for agent in trace.agents { try agent.insertBound(db) }
            var messageIDs: [Int64: Int64] = [:]
            for message in trace.messages {
                let id = try message.insertBound(db)
                if let old = message.id { messageIDs[old] = id }
            }
            let (deliveries, verifications) = try trace.rowsNaming(messagesMovedTo: messageIDs)
            for delivery in deliveries { try delivery.insertBound(db) }
            for verification in verifications { try verification.insertBound(db) }
            for escalation in trace.escalations { try escalation.insertBound(db) }
            for feedback in trace.feedback { try feedback.insertBound(db) }
            return true
        }
    }
}
