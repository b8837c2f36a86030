import Foundation
import GRDB
import Logging
import PostgresNIO

extension PostgresTraceEngine {
    var name: String { location.description }

    func read(_ queries: [TraceQuery]) async throws -> [[TraceRow]] {
        guard queries.count > 1 else {
            // One query needs no transaction: one round trip, within the same bound.
            return try await storeGuard.run("read runs", within: TraceStoreGuard.readLimit, writes: false) { [self] _ in
                try await client.withConnection { connection in [try await rows(of: queries[0], on: connection)] }
            }
        }
        return try await transaction("read runs", within: TraceStoreGuard.readLimit, writes: false) { [self] connection in
            var tables: [[TraceRow]] = []
            for query in queries { tables.append(try await rows(of: query, on: connection)) }
            return tables
        }
    }

    func change(_ query: TraceQuery) async throws -> [TraceRow] {
        try await transaction("change runs") { [self] connection in try await rows(of: query, on: connection) }
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
}
