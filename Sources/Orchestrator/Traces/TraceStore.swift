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

    /// How long a running run may go without a heartbeat before another process takes it for abandoned.
    public static let staleRunLimit: Duration = .seconds(60)

    /// Marks as `interrupted` the `running` runs whose process is gone: on this host, a process that has ended (or
    /// is this very process, which has only just opened the store — unless `sparingOwnRuns`, for a process that looks
    /// again while its own runs go on); on any host, a run whose last heartbeat (or start, before its first) is older
    /// than `staleAfter`. Returns how many were marked.
    @discardableResult
    public func markInterruptedRuns(staleAfter: Duration = TraceStore.staleRunLimit, sparingOwnRuns: Bool = false) throws -> Int {
        let host = ProcessInfo.processInfo.hostName
        let me = Int(ProcessInfo.processInfo.processIdentifier)
        let now = Date()
        let cutoff = now.addingTimeInterval(-staleAfter.milliseconds / 1000)
        return try writer.write { db in
            let running = try Row.fetchAll(
                db,
                sql: "SELECT id, host, processID, COALESCE(heartbeatAt, startedAt) AS lastSign FROM runs WHERE status = ?",
                arguments: [RunStatus.running.rawValue]
            )
            var marked = 0
            for row in running {
                let (id, runHost, processID, lastSign): (String, String, Int, Date) = (row["id"], row["host"], row["processID"], row["lastSign"])
                let reason: String
                let own = runHost == host && processID == me
                if own && sparingOwnRuns { continue }
                if runHost == host && (own || !Self.processIsAlive(processID)) {
                    reason = "interrupted: process \(processID) ended before the run finished"
                } else if lastSign < cutoff {
                    reason =
                        "interrupted: no heartbeat from process \(processID) on \(runHost) for \(Int(now.timeIntervalSince(lastSign))) s (limit \(Int(staleAfter.milliseconds / 1000)) s)"
                } else {
                    continue
                }
                try db.execute(
                    sql: "UPDATE runs SET status = ?, error = COALESCE(error, ?), finishedAt = ? WHERE id = ? AND status = ?",
                    arguments: [RunStatus.interrupted.rawValue, reason, now, id, RunStatus.running.rawValue]
                )
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
