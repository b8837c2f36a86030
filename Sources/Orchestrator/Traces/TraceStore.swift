import Foundation
import GRDB
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The durable record of every run: SQLite through GRDB, WAL, versioned migrations.
///
/// A run's events reach it through its `RunLedger`, which writes them in one transaction when the run ends and
/// whenever one has waited the configured flush delay, so a process that dies loses nothing
/// finished longer ago than that. Several processes may use one database at once. Runs left
/// `running` by a process that no longer exists are marked `interrupted` when a store opens.
public struct TraceStore: Sendable {
    let writer: any DatabaseWriter
    /// Where the database lives, or nil in memory.
    public let path: String?
    /// Keeps the write-ahead log short off the runs' path, for as long as a copy of this store is alive.
    let checkpointer: WALCheckpointer?

    /// Opens (creating if needed) the database at a path, migrates it and marks dead runs interrupted.
    public static func open(path: String, logger: Logger) throws -> TraceStore {
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
        let store = TraceStore(writer: pool, path: path, checkpointer: try WALCheckpointer(path: path, logger: logger))
        try store.migrate()
        let interrupted = try store.markInterruptedRuns()
        if interrupted > 0 {
            logger.warning("marked runs of dead processes as interrupted", metadata: ["count": "\(interrupted)", "database": "\(path)"])
        }
        return store
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

    /// A store in memory, for tests and throw-away runs.
    public static func inMemory() throws -> TraceStore {
        let store = TraceStore(writer: try DatabaseQueue(), path: nil)
        try store.migrate()
        return store
    }

    init(writer: any DatabaseWriter, path: String?, checkpointer: WALCheckpointer? = nil) {
        self.writer = writer
        self.path = path
        self.checkpointer = checkpointer
    }

    /// Marks `running` runs of this host whose process is gone (or is this very process, which has only
    /// just opened the store) as `interrupted`. Returns how many were marked.
    @discardableResult
    public func markInterruptedRuns() throws -> Int {
        let host = ProcessInfo.processInfo.hostName
        let me = Int(ProcessInfo.processInfo.processIdentifier)
        return try writer.write { db in
            let running = try RunRecord.filter(Column("status") == RunStatus.running.rawValue).fetchAll(db)
            var marked = 0
            for var run in running where run.host == host && (run.processID == me || !Self.processIsAlive(run.processID)) {
                run.status = .interrupted
                run.error = run.error ?? "interrupted: process \(run.processID) ended before the run finished"
                run.finishedAt = Date()
                try run.update(db)
                marked += 1
            }
            return marked
        }
    }

    static func processIsAlive(_ pid: Int) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid_t(pid), 0) == 0 { return true }
        return errno == EPERM
    }
}
