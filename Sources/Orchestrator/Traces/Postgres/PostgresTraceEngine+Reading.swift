import Foundation
import GRDB
import Logging
import PostgresNIO

extension PostgresTraceEngine {
    var name: String { location.description }

    func read(_ query: TraceQuery) async throws -> [TraceRow] {
        try await client.withConnection { connection in try await rows(of: query, on: connection) }
    }

    func change(_ query: TraceQuery) async throws -> [TraceRow] {
        try await transaction { connection in try await rows(of: query, on: connection) }
    }

    /// The rows a query returns, each cell as SQLite would hold it.
    private func rows(of query: TraceQuery, on connection: PostgresConnection) async throws -> [TraceRow] {
        var rows: [TraceRow] = []
        for try await row in try await connection.query(Self.query(query.postgresSQL, query.values), logger: logger) {
            var values: [String: DatabaseValue] = [:]
            for cell in row { values[cell.columnName] = try Self.databaseValue(cell) }
            rows.append(TraceRow(values: values))
        }
        return rows
    }

    /// Everything stored about a run, read in one transaction.
    func trace(runID: String) async throws -> RunTrace? {
        try await transaction { connection in
            let scope = ("\"runID\" = $1", [TraceValue.text(runID)])
            guard let run = try await fetch(RunRecord.self, where: "\"id\" = $1", [.text(runID)], on: connection).first else { return nil }
            return RunTrace(
                run: run,
                decisions: try await fetch(DecisionRecord.self, where: scope.0, scope.1, on: connection),
                agents: try await fetch(AgentRecord.self, where: scope.0, scope.1, on: connection),
                messages: try await fetch(MessageRecord.self, where: scope.0, scope.1, on: connection),
                deliveries: try await fetch(DeliveryRecord.self, where: scope.0, scope.1, on: connection),
                verifications: try await fetch(VerificationRecord.self, where: scope.0, scope.1, on: connection),
                escalations: try await fetch(EscalationRecord.self, where: scope.0, scope.1, on: connection)
            )
        }
    }

    /// A table's rows that meet `condition`, in the run's order, decoded by the records' own `FetchableRecord`
    /// decoding: each column is read by its schema type into the GRDB row the SQLite store would have read.
    func fetch<Record: BoundRow & FetchableRecord & TableRecord>(
        _ type: Record.Type,
        where condition: String,
        _ values: [TraceValue],
        on connection: PostgresConnection
    ) async throws -> [Record] {
        let table = TraceSchema.table(named: Record.table)
        let columns = (table.autoIncrementedID ? [TraceSchema.Column(name: "id", type: .integer, notNull: true)] : []) + Record.boundColumns
        let order = (Record.self as? any RunScopedRecord.Type)?.orderWithinRun.name ?? "id"
        let sql = """
            SELECT \(columns.map { Self.quoted($0.name) }.joined(separator: ", ")) FROM \(Self.quoted(Record.table)) \
            WHERE \(condition) ORDER BY \(Self.quoted(order))
            """
        var records: [Record] = []
        for try await row in try await connection.query(Self.query(sql, values), logger: logger) {
            let cells = row.makeRandomAccess()
            var values: [String: DatabaseValue] = [:]
            for (index, column) in columns.enumerated() {
                values[column.name] = try Self.databaseValue(cells[index], as: column.type)
            }
            records.append(try Record(row: Row(values)))
        }
        return records
    }

    /// A cell of any query as the value SQLite would hold, by its PostgreSQL type: timestamps as the store's UTC text,
    /// booleans as 0 and 1, `NUMERIC` (PostgreSQL's sums of integers) as a double.
    static func databaseValue(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return try cell.decode(Int64.self).databaseValue
        case .float4, .float8: return try cell.decode(Double.self).databaseValue
        case .numeric: return NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue.databaseValue
        case .bool: return try cell.decode(Bool.self).databaseValue
        case .timestamp, .timestamptz: return DatabaseTimestamp.value(try cell.decode(Date.self))
        default: return try cell.decode(String.self).databaseValue
        }
    }

    /// A cell as the value SQLite would hold: timestamps as the store's UTC text.
    static func databaseValue(_ cell: PostgresCell, as type: TraceSchema.ColumnType) throws -> DatabaseValue {
        switch type {
        case .text: try cell.decode(String?.self).databaseValue
        case .integer: try cell.decode(Int64?.self).databaseValue
        case .double: try cell.decode(Double?.self).databaseValue
        case .boolean: try cell.decode(Bool?.self).databaseValue
        case .datetime: try cell.decode(Date?.self).map { DatabaseTimestamp.value($0) } ?? .null
        }
    }
}
