import Foundation
import GRDB
import Logging
import PostgresNIO

extension PostgresTraceEngine {
    /// Writes runs' batches of events in one transaction, as the SQLite engine does; returns the id of each message
    /// each batch wrote. A group with an unnumbered batch is not tried again on a new connection: its first try may
    /// have committed. The group's rows go in a few statements whatever its size (`PostgresGroupWrite`): a round
    /// trip to the server costs more than the rows it carries.
    func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]] {
        let operation = batches.count == 1 ? "write a run's events" : "write \(batches.count) runs' events"
        return try await transaction(operation, retries: batches.allSatisfy { $0.number != nil }) { [self] connection in
            // One batch a run in each round: a run's mark is claimed once a round.
            var written = [[TraceEvent.MessageKey: Int64]](repeating: [:], count: batches.count)
            var left = Array(batches.indices)
            while !left.isEmpty {
                var runs: Set<String> = []
                let round = left.filter { runs.insert(batches[$0].runID).inserted }
                let ids = try await PostgresGroupWrite(engine: self, batches: round.map { batches[$0] }).run(on: connection)
                for (index, value) in zip(round, ids) { written[index] = value }
                left.removeAll { round.contains($0) }
            }
            return written
        }
    }

    /// Claims the write marks of runs, each row locked until the transaction ends (made if missing), so that a second
    /// try of a batch waits for a first one still committing and then finds it written; by run id.
    func claimMarks(of runIDs: [String], on connection: PostgresConnection) async throws -> [String: RunWriteMark] {
        guard !runIDs.isEmpty else { return [:] }
        let tuples = runIDs.indices.map { "($\($0 + 1), 0, '')" }.joined(separator: ", ")
        let rows = try await connection.query(
            Self.query(
                """
                INSERT INTO "runWrites" ("runID", "batches", "messageIDs") VALUES \(tuples)
                ON CONFLICT ("runID") DO UPDATE SET "batches" = "runWrites"."batches" RETURNING "runID", "batches", "messageIDs"
                """,
                runIDs.map { .text($0) }
            ),
            logger: logger
        )
        var marks: [String: RunWriteMark] = [:]
        for try await (runID, batches, messageIDs) in rows.decode((String, Int64, String).self) {
            marks[runID] = try RunWriteMark(batches: Int(batches), messageIDsText: messageIDs, runID: runID)
        }
        return marks
    }

    /// Sets the write marks of runs after their batches, in one statement.
    func saveMarks(_ marks: [(runID: String, mark: RunWriteMark)], on connection: PostgresConnection) async throws {
        guard !marks.isEmpty else { return }
        let tuples = marks.indices.map { "($\(3 * $0 + 1)::text, $\(3 * $0 + 2)::bigint, $\(3 * $0 + 3)::text)" }.joined(separator: ", ")
        try await execute(
            """
            UPDATE "runWrites" SET "batches" = "marks"."batches", "messageIDs" = "marks"."messageIDs"
            FROM (VALUES \(tuples)) AS "marks" ("runID", "batches", "messageIDs") WHERE "runWrites"."runID" = "marks"."runID"
            """,
            marks.flatMap { [.text($0.runID), .integer(Int64($0.mark.batches)), .text($0.mark.messageIDsText)] },
            on: connection
        )
    }

    /// `count` fresh message ids from the table's own sequence, ascending.
    func messageIDs(_ count: Int, on connection: PostgresConnection) async throws -> [Int64] {
        guard count > 0 else { return [] }
        let rows = try await connection.query(
            Self.query("SELECT nextval(pg_get_serial_sequence('\"messages\"', 'id')) FROM generate_series(1, $1)", [.integer(Int64(count))]),
            logger: logger
        )
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        guard ids.count == count else {
            throw TraceStoreError(description: "\(location): asked for \(count) message ids, got \(ids.count)")
        }
        return ids.sorted()
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
    static let runUpdate: String = {
        let columns = RunRecord.boundColumns
        let assignments = columns.dropFirst().enumerated().map { index, column in "\(quoted(column.name)) = \(placeholder(index + 1, column))" }
        return "UPDATE \"runs\" SET \(assignments.joined(separator: ", ")) WHERE \"id\" = $\(columns.count)"
    }()

    /// The insert of every hand-bound row type, by table, made once.
    private static let inserts: [String: String] = {
        let rows: [any BoundRow.Type] = [
            RunRecord.self, DecisionRecord.self, AgentRecord.self, MessageRecord.self, DeliveryRecord.self, VerificationRecord.self,
            EscalationRecord.self, FeedbackRecord.self,
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
    /// values a statement allows, in order; with `ids`, each row with its own id (one a row) instead of the table's next.
    func insert<Row: BoundRow>(_ rows: [Row], ids: [Int64]? = nil, on connection: PostgresConnection) async throws {
        let perStatement = max(1, 30_000 / (Row.boundColumns.count + 1))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let end = min(start + perStatement, rows.count)
            try await insertTogether(rows[start..<end], ids: ids?[start..<end], on: connection)
        }
    }

    private func insertTogether<Row: BoundRow>(_ rows: ArraySlice<Row>, ids: ArraySlice<Int64>?, on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        if rows.count == 1, ids == nil, let row = rows.first {
            try await insert(row, on: connection)
            return
        }
        let columns = (ids == nil ? [] : [TraceSchema.Column(name: "id", type: .integer, notNull: true)]) + Row.boundColumns
        let tuples = (0..<rows.count).map { index in
            "(" + columns.enumerated().map { Self.placeholder(index * columns.count + $0.offset + 1, $0.element) }.joined(separator: ", ") + ")"
        }
        let sql =
            "INSERT INTO \(Self.quoted(Row.table)) (\(columns.map { Self.quoted($0.name) }.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
        var values: [TraceValue] = []
        values.reserveCapacity(rows.count * columns.count)
        for (offset, row) in rows.enumerated() {
            if let ids { values.append(.integer(ids[ids.startIndex + offset])) }
            values += Self.values(of: row)
        }
        try await execute(sql, values, on: connection)
    }

    func insertReturningID(_ row: MessageRecord, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            Self.query(Self.postgresInsert(MessageRecord.self) + " RETURNING \"id\"", Self.values(of: row)),
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw TraceStoreError(description: "\(location): an insert of a message returned no id")
    }

    func execute(_ sql: String, _ values: [TraceValue], on connection: PostgresConnection) async throws {
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
            try await insert(trace.feedback, on: connection)
            return true
        }
    }
}
