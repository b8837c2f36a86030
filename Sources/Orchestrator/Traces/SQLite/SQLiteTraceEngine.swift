import Foundation
import GRDB
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The trace store's SQLite engine, the embedded default: GRDB, WAL, versioned migrations. Several processes on one
/// machine may use one database at once.
struct SQLiteTraceEngine: TraceEngine {
    let writer: any DatabaseWriter
    /// Where the database lives, or nil in memory.
    let path: String?
    /// Keeps the write-ahead log short off the runs' path, for as long as a copy of this engine is alive.
    let checkpointer: WALCheckpointer?

    var name: String { path ?? "in-memory trace database" }
    var sharedLimits: (any SharedModelLimits)? { nil }

    /// Opens (creating if needed) the database at a path and migrates it.
    static func open(path: String, logger: Logger) throws -> SQLiteTraceEngine {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoints run in the background (`WALCheckpointer`); this is the writer's backstop.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.backstopPages)")
        }
        let pool = try openPool(path: path, configuration: configuration)
        let engine = SQLiteTraceEngine(writer: pool, path: path, checkpointer: try WALCheckpointer(path: path, logger: logger))
        try engine.migrate()
        return engine
    }

    /// A database in memory, migrated.
    static func inMemory() throws -> SQLiteTraceEngine {
        let engine = SQLiteTraceEngine(writer: try DatabaseQueue(), path: nil, checkpointer: nil)
        try engine.migrate()
        return engine
    }

    /// Opens the pool, waiting out another process that is switching a new database to WAL at the same
    /// moment (SQLite answers that with "database is locked" without calling the busy handler).
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempts = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempts < 100 {
                attempts += 1
                usleep(20_000)
            }
        }
    }

    func read(_ queries: [TraceQuery]) async throws -> [[TraceRow]] {
        try await writer.read { db in
            try queries.map { query in try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map(TraceRow.init) }
        }
    }

    func change(_ query: TraceQuery) async throws -> [TraceRow] {
        try await writer.write { db in try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map(TraceRow.init) }
    }
}

extension TraceQuery {
    /// The values as SQLite binds them.
    var arguments: StatementArguments { StatementArguments(values.map(\.databaseValue)) }
}

extension SQLiteTraceEngine {
    /// Marks abandoned runs interrupted by `rule` in one transaction, at once (a store opening); returns how many.
    func markInterruptedRuns(by rule: InterruptionRule) throws -> Int {
        try writer.write { db in
            var marked = 0
            for row in try Row.fetchAll(db, sql: InterruptionRule.running.sql, arguments: InterruptionRule.running.arguments) {
                guard let reason = rule.reason(row) else { continue }
                let marking = rule.marking(row["id"], reason: reason)
                marked += try Row.fetchAll(db, sql: marking.sql, arguments: marking.arguments).count
            }
            return marked
        }
    }
}
