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
    /// Bounds each operation and names the store in its failures.
    let storeGuard: TraceStoreGuard
    /// Room for the last writes when the disk fills; nil in memory.
    let reserve: StoreReserve?

    var name: String { path ?? "in-memory trace database" }
    var health: TraceStoreHealth { storeGuard.health }

    init(
        writer: any DatabaseWriter,
        path: String?,
        checkpointer: WALCheckpointer?,
        makesReserve: Bool = true,
        operationLimit: Duration = Self.operationLimit
    ) {
        self.writer = writer
        self.path = path
        self.checkpointer = checkpointer
        let reserve = makesReserve ? path.map { StoreReserve(databasePath: $0) } : nil
        self.reserve = reserve
        storeGuard = TraceStoreGuard(
            engine: "SQLite",
            store: path ?? "in memory",
            health: TraceStoreHealth(),
            limit: operationLimit,
            retriesLostConnections: false,
            onDown: { failure in
                if failure.cause == .full { reserve?.release() }
            }
        )
    }

    /// Longer than the busy timeout, so a write waiting its turn behind another process is not cut short.
    static let operationLimit: Duration = .seconds(40)
    /// One writer at a time: SQLite has one.
    var concurrentWrites: Int { 1 }

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
        do {
            try engine.reserve?.make()
        } catch {
            logger.warning(
                "no room for the store's reserve: a full disk may leave runs unmarked",
                metadata: ["database": "\(path)", "error": "\(error)"]
            )
        }
        return engine
    }

    /// Opens an existing, migrated database only to read it: nothing is written (no migration, no marking of dead
    /// runs, no reserve), so a full disk or a read-only file still lets its runs be read. Nil when the database needs
    /// migrating first, for the caller to open it for writing.
    static func openReadOnly(path: String) throws -> SQLiteTraceEngine? {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        let reader: any DatabaseWriter
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            _ = try pool.read { try TraceStore.migrator.hasCompletedMigrations($0) }
            reader = pool
        } catch let error as DatabaseError where error.resultCode == .SQLITE_IOERR && !hasLoggedWrites(path) {
            // A reader of a WAL database maps a shared index beside it (`-shm`), which a full disk has no room to make.
            // With nothing in the log the file alone is the whole database: read as immutable, it needs no index.
            reader = try DatabaseQueue(path: immutableURI(path), configuration: configuration)
        }
        guard try reader.read({ try TraceStore.migrator.hasCompletedMigrations($0) }) else { return nil }
        return SQLiteTraceEngine(writer: reader, path: path, checkpointer: nil, makesReserve: false)
    }

    /// Whether the database's write-ahead log holds writes (a log missing or empty holds none).
    static func hasLoggedWrites(_ path: String) -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return size > 0
    }

    /// The database as an immutable read-only SQLite URI (`file:…?mode=ro&immutable=1`).
    static func immutableURI(_ path: String) -> String {
        let escaped = path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
            .replacingOccurrences(of: "#", with: "%23")
        return "file:\(escaped)?mode=ro&immutable=1"
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
        try await storeGuard.run("read runs", within: TraceStoreGuard.readLimit, writes: false) { [writer] _ in
            try await writer.read { db in
                try queries.map { query in try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map(TraceRow.init) }
            }
        }
    }

    func change(_ query: TraceQuery) async throws -> [TraceRow] {
        try await guardedWrite("change runs") { db in try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map(TraceRow.init) }
    }

    /// One write transaction within the store's guard; rolled back when the guard stopped waiting before it ended.
    func guardedWrite<T: Sendable>(
        _ operation: String,
        within limit: Duration? = nil,
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        // Handed to the writer's queue with a callback: no task waits between the caller and the transaction.
        try await storeGuard.run(operation, within: limit) { [writer] gaveUp, settle in
            writer.asyncWrite(
                { db in
                    let value = try body(db)
                    if gaveUp.isSet { throw GaveUpBeforeCommit() }
                    return value
                },
                completion: { _, result in settle(result) }
            )
        }
    }

    /// Whether a write can be made now: one that changes a page (the schema's user version, set to what it is), so
    /// a full disk or a read-only file says so.
    func probe() async throws {
        do {
            try reserve?.make()
        } catch {
            let failure = TraceStoreFailure(engine: "SQLite", store: name, operation: "make its reserve", cause: .full, message: "\(error)")
            health.failed(failure)
            throw failure
        }
        _ = try await guardedWrite("answer a probe", within: TraceStoreGuard.probeLimit) { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            try db.execute(sql: "PRAGMA user_version = \(version == 0 ? 1 : 0)")
            try db.execute(sql: "PRAGMA user_version = \(version)")
        }
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
