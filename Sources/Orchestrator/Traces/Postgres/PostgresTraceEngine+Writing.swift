import Foundation
import GRDB
import Logging
import PostgresNIO

extension PostgresTraceEngine {
    /// Writes runs' batches of events in one transaction, as the SQLite engine does; returns the id of each message
    /// each batch wrote. A group with an unnumbered batch is not tried again on a new connection: its first try may
    /// have committed.
    func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]] {
        let operation = batches.count == 1 ? "write a run's events" : "write \(batches.count) runs' events"
        return try await transaction(operation, retries: batches.allSatisfy { $0.number != nil }) { [self] connection in
            var written: [[TraceEvent.MessageKey: Int64]] = []
            for batch in batches { written.append(try await write(batch, on: connection)) }
            return written
        }
    }

    /// Writes one run's batch inside the caller's transaction; returns the id of each message written.
    private func write(_ batch: RunBatch, on connection: PostgresConnection) async throws -> [TraceEvent.MessageKey: Int64] {
        let runID = batch.runID
        if let number = batch.number, let ids = try await claimMark(of: runID, on: connection).written(number, runID: runID) { return ids }
        var ids = batch.known
        var written: [TraceEvent.MessageKey: Int64] = [:]
        for event in batch.events {
            switch event {
            case .runStarted(let run):
                try await insert(run, on: connection)
            case .plan(let rows):
                try await insert(rows.decisions, on: connection)
                try await insert(rows.agents, on: connection)
                try await execute(
                    "UPDATE \"runs\" SET \"topology\" = $1, \"agentCount\" = $2, \"planLogProbability\" = $3, \"planJSON\" = $4 WHERE \"id\" = $5",
                    [.text(rows.topology), .integer(Int64(rows.agentCount)), .double(rows.logProbability), .text(rows.planJSON), .text(runID)],
                    on: connection
                )
            case .agents(let agents):
                try await insert(agents, on: connection)
            case .faults(let faults, let json):
                for fault in faults {
                    try await execute(
                        "UPDATE \"agents\" SET \"fault\" = $1 WHERE \"runID\" = $2 AND \"agentIndex\" = $3",
                        [.text(fault.kind.rawValue), .text(runID), .integer(Int64(fault.agent))],
                        on: connection
                    )
                }
                try await execute(
                    "UPDATE \"runs\" SET \"faultsJSON\" = $1 WHERE \"id\" = $2",
                    [json.map { .text($0) } ?? .null, .text(runID)],
                    on: connection
                )
            case .message(let key, let row, let receipts, let checks):
                let (deliveries, verdicts) = try TraceEvent.deliveryRows(of: row, receipts: receipts, ids: ids, runID: runID)
                let id = try await insertReturningID(row, on: connection)
                try await insert(deliveries, on: connection)
                try await insert(verdicts + TraceEvent.checkRows(checks, messageID: id, runID: runID), on: connection)
                ids[key] = id
                written[key] = id
            case .quarantine(let agent, let step):
                try await execute(
                    "UPDATE \"agents\" SET \"quarantinedAtStep\" = $1 WHERE \"runID\" = $2 AND \"agentIndex\" = $3",
                    [.integer(Int64(step)), .text(runID), .integer(Int64(agent))],
                    on: connection
                )
            case .escalation(let record):
                try await insert(record, on: connection)
            case .heartbeat(let time):
                try await execute(
                    "UPDATE \"runs\" SET \"heartbeatAt\" = $1::timestamp WHERE \"id\" = $2 AND \"status\" = $3",
                    [.text(DatabaseTimestamp.text(time)), .text(runID), .text(RunStatus.running.rawValue)],
                    on: connection
                )
            case .runFinished(let run):
                let values = Self.values(of: run)
                try await execute(Self.runUpdate, Array(values.dropFirst()) + [values[0]], on: connection)
            }
        }
        if let number = batch.number {
            let mark = RunWriteMark.after(number, messageIDs: written)
            try await execute(
                "UPDATE \"runWrites\" SET \"batches\" = $1, \"messageIDs\" = $2 WHERE \"runID\" = $3",
                [.integer(Int64(mark.batches)), .text(mark.messageIDsText), .text(runID)],
                on: connection
            )
        }
        return written
    }

    /// How many of a run's batches are written, its row locked until the transaction ends (made if missing), so
    /// that a second try of a batch waits for a first one still committing and then finds it written.
    private func claimMark(of runID: String, on connection: PostgresConnection) async throws -> RunWriteMark {
        let rows = try await connection.query(
            Self.query(
                """
                INSERT INTO "runWrites" ("runID", "batches", "messageIDs") VALUES ($1, 0, '')
                ON CONFLICT ("runID") DO UPDATE SET "batches" = "runWrites"."batches" RETURNING "batches", "messageIDs"
                """,
                [.text(runID)]
            ),
            logger: logger
        )
        for try await (batches, messageIDs) in rows.decode((Int64, String).self) {
            return try RunWriteMark(batches: Int(batches), messageIDsText: messageIDs, runID: runID)
        }
        throw TraceStoreError(description: "\(location): claiming run \(runID)'s write mark returned no row")
    }

    /// `$n`, cast to `timestamp` for a timestamp column (the value is UTC text).
    static func placeholder(_ position: Int, _ column: TraceSchema.Column) -> String {
        column.type == .datetime ? "$\(position)::timestamp" : "$\(position)"
    }

    /// `INSERT INTO "table" ("column", …) VALUES ($1, …)` for a hand-bound row.
    static func postgresInsert<Row: BoundRow>(_ type: Row.Type) -> String {
        guard let sql = inserts[Row.table] else { preconditionFailure("no insert for \(Row.table)") }
        return sql
    }

    /// `UPDATE "runs" SET …` of every column but the id, which is bound last.
    private static let runUpdate: String = {
        let columns = RunRecord.boundColumns
        let assignments = columns.dropFirst().enumerated().map { index, column in "\(quoted(column.name)) = \(placeholder(index + 1, column))" }
        return "UPDATE \"runs\" SET \(assignments.joined(separator: ", ")) WHERE \"id\" = $\(columns.count)"
    }()

    /// The insert of every hand-bound row type, by table, made once.
    private static let inserts: [String: String] = {
        let rows: [any BoundRow.Type] = [
            RunRecord.self, DecisionRecord.self, AgentRecord.self, MessageRecord.self, DeliveryRecord.self, VerificationRecord.self,
            EscalationRecord.self,
        ]
        return Dictionary(
            uniqueKeysWithValues: rows.map { row in
                let columns = row.boundColumns
                let names = columns.map { quoted($0.name) }.joined(separator: ", ")
                let placeholders = columns.enumerated().map { placeholder($0.offset + 1, $0.element) }.joined(separator: ", ")
                return (row.table, "INSERT INTO \(quoted(row.table)) (\(names)) VALUES (\(placeholders))")
            }
        )
    }()

    func insert<Row: BoundRow>(_ row: Row, on connection: PostgresConnection) async throws {
        try await execute(Self.postgresInsert(Row.self), Self.values(of: row), on: connection)
    }

    /// Inserts rows of one table in as few statements (round trips to the server) as PostgreSQL's limit of 65,535
    /// values a statement allows, in order.
    func insert<Row: BoundRow>(_ rows: [Row], on connection: PostgresConnection) async throws {
        let perStatement = max(1, 30_000 / Row.boundColumns.count)
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            try await insertTogether(rows[start..<min(start + perStatement, rows.count)], on: connection)
        }
    }

    private func insertTogether<Row: BoundRow>(_ rows: ArraySlice<Row>, on connection: PostgresConnection) async throws {
        guard rows.count > 1 else {
            if let row = rows.first { try await insert(row, on: connection) }
            return
        }
        let columns = Row.boundColumns
        let tuples = (0..<rows.count).map { index in
            "(" + columns.enumerated().map { Self.placeholder(index * columns.count + $0.offset + 1, $0.element) }.joined(separator: ", ") + ")"
        }
        let sql =
            "INSERT INTO \(Self.quoted(Row.table)) (\(columns.map { Self.quoted($0.name) }.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
        try await execute(sql, rows.flatMap { Self.values(of: $0) }, on: connection)
    }

    func insertReturningID(_ row: MessageRecord, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            Self.query(Self.postgresInsert(MessageRecord.self) + " RETURNING \"id\"", Self.values(of: row)),
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw TraceStoreError(description: "\(location): an insert of a message returned no id")
    }

    private func execute(_ sql: String, _ values: [TraceValue], on connection: PostgresConnection) async throws {
        try await connection.query(Self.query(sql, values), logger: logger)
    }

    static func values<Row: BoundRow>(of row: Row) -> [TraceValue] {
        zip(row.boundValues, Row.boundColumns).map { TraceValue($0, as: $1.type) }
    }
}

extension PostgresTraceEngine {
    /// Adds a stored run's trace as it is, in one transaction, with fresh row ids (as `TraceStore.insert(_:)` does
    /// on SQLite); returns false, writing nothing, when a run with its id is here already.
    func insert(_ trace: RunTrace) async throws -> Bool {
        try await transaction("copy in a run", within: TraceStoreGuard.copyLimit) { [self] connection in
            for try await _ in try await connection.query(
                Self.query("SELECT 1 FROM \"runs\" WHERE \"id\" = $1", [.text(trace.run.id)]),
                logger: logger
            ) {
                return false
            }
            try await insert(trace.run, on: connection)
            try await insert(trace.decisions, on: connection)
            try await insert(trace.agents, on: connection)
            var messageIDs: [Int64: Int64] = [:]
            for message in trace.messages {
                let id = try await insertReturningID(message, on: connection)
                if let old = message.id { messageIDs[old] = id }
            }
            let (deliveries, verifications) = try trace.rowsNaming(messagesMovedTo: messageIDs)
            try await insert(deliveries, on: connection)
            try await insert(verifications, on: connection)
            try await insert(trace.escalations, on: connection)
            return true
        }
    }
}
