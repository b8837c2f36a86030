import Foundation
import GRDB
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The durable record of every run, on SQLite (a file, the embedded default) or PostgreSQL (a URL, one store for
/// several processes on several machines): the same tables, migrations and answers whichever engine is under it.
///
/// A run's events reach it through its `RunLedger`, which writes them in one transaction when the run ends and
/// whenever one has waited the configured flush delay, so a process that dies loses nothing finished longer ago
/// than that. Several processes may use one store at once. Runs left `running` by a process that no longer exists,
/// or silent for longer than `staleRunLimit`, are marked `interrupted` when a store opens.
public struct TraceStore: Sendable {
    let engine: any TraceEngine
    /// The runs of this process whose events the store could not take, kept to be written when it is back.
    public let abandonedRuns: AbandonedRuns
    /// Runs' batches that wait for the store together are written in one transaction.
    let groupCommit: GroupCommit

    init(engine: any TraceEngine, logger: Logger = Logger(label: "orchestrate.store")) {
        self.engine = engine
        abandonedRuns = AbandonedRuns(logger: logger)
        groupCommit = GroupCommit(engine: engine, writers: engine.concurrentWrites)
    }

    /// Where the store lives, for messages: a path, or a URL without its password.
    public var name: String { engine.name }

    /// `SQLite` or `PostgreSQL`.
    public var engineName: String { engine is PostgresTraceEngine ? "PostgreSQL" : "SQLite" }

    /// Whether the store could write when last used.
    public var health: TraceStoreHealth { engine.health }

    /// Nil when the store can write, else why not: while it is down, a probe (at most one a second) looks whether it
    /// is back, so a caller that asks before each run learns within a second.
    public func writeFailure() async -> TraceStoreFailure? {
        guard engine.health.failure != nil else { return nil }
        if engine.health.claimProbe(every: .seconds(1)) {
            try? await engine.probe()
        }
        return engine.health.failure
    }

    /// Opens (creating if needed) the SQLite database at a path, migrates it and marks dead runs interrupted.
    public static func open(path: String, logger: Logger) throws -> TraceStore {
        let engine = try SQLiteTraceEngine.open(path: path, logger: logger)
        let interrupted = try engine.markInterruptedRuns(by: InterruptionRule())
        if interrupted > 0 {
            logger.warning("marked runs of dead processes as interrupted", metadata: ["count": "\(interrupted)", "database": "\(path)"])
        }
        return TraceStore(engine: engine, logger: logger)
    }

    /// Opens the store at a location: a SQLite file (created if missing) or a PostgreSQL database (its tables made if
    /// missing, within `connectionLimit`); migrates it and marks dead runs interrupted. `readOnly` opens an existing
    /// SQLite file without writing anything (a full disk does not lock its runs away), unless it needs migrating.
    public static func open(
        _ location: TraceDatabaseLocation,
        connectionLimit: Duration = .seconds(15),
        readOnly: Bool = false,
        logger: Logger
    ) async throws -> TraceStore {
        switch location {
        case .sqlite(let path):
            if readOnly, FileManager.default.fileExists(atPath: path), let engine = try SQLiteTraceEngine.openReadOnly(path: path) {
                return TraceStore(engine: engine, logger: logger)
            }
            return try open(path: path, logger: logger)
        case .postgres(let postgres):
            let engine = PostgresTraceEngine(postgres, logger: logger)
            try await engine.connect(within: connectionLimit)
            let store = TraceStore(engine: engine, logger: logger)
            let interrupted = try await store.markInterruptedRuns()
            if interrupted > 0 {
                logger.warning("marked abandoned runs as interrupted", metadata: ["count": "\(interrupted)", "database": "\(postgres)"])
            }
            return store
        }
    }

    /// A store in memory, for tests and throw-away runs.
    public static func inMemory() throws -> TraceStore {
        TraceStore(engine: try SQLiteTraceEngine.inMemory())
    }

    /// Per-model limits every process using this store keeps together (PostgreSQL), or nil (each keeps its own).
    var sharedLimits: (any SharedModelLimits)? { engine.sharedLimits }

    /// Writes a batch of one run's events in one transaction, in order, with other runs' batches that wait for the
    /// store at the same time (`GroupCommit`); returns the row id of each message written. `known` holds the ids of
    /// the run's messages written by earlier batches, which deliveries may name. Throws `UnknownMessage` (and writes
    /// nothing) when a delivery names a message neither written nor in the batch.
    /// A numbered `batch` is written exactly once (`RunWriteMark`), however often it is tried.
    func write(
        _ events: [TraceEvent],
        runID: String,
        known: [TraceEvent.MessageKey: Int64],
        batch: Int? = nil
    ) async throws -> [TraceEvent.MessageKey: Int64] {
        try await groupCommit.write(RunBatch(events: events, runID: runID, known: known, number: batch))
    }

    /// How long a running run may go without a heartbeat before another process takes it for abandoned.
    public static let staleRunLimit: Duration = .seconds(60)

    /// Marks as `interrupted` the `running` runs whose process is gone: on this host, a process that has ended (or
    /// is this very process, which has only just opened the store — unless `sparingOwnRuns`, for a process that looks
    /// again while its own runs go on); on any host, a run whose last heartbeat (or start, before its first) is older
    /// than `staleAfter`. Returns how many were marked.
    @discardableResult
    public func markInterruptedRuns(staleAfter: Duration = TraceStore.staleRunLimit, sparingOwnRuns: Bool = false) async throws -> Int {
        let rule = InterruptionRule(staleAfter: staleAfter, sparingOwnRuns: sparingOwnRuns)
        var marked = 0
        for row in try await rows(InterruptionRule.running) {
            guard let reason = rule.reason(row) else { continue }
            marked += try await engine.change(rule.marking(row["id"], reason: reason)).count
        }
        return marked
    }

    static func processIsAlive(_ pid: Int) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid_t(pid), 0) == 0 { return true }
        return errno == EPERM
    }
}

/// When a `running` run counts as abandoned, seen from this process now (`TraceStore.markInterruptedRuns`).
struct InterruptionRule: Sendable {
    var staleAfter: Duration = TraceStore.staleRunLimit
    var sparingOwnRuns = false
    let host = ProcessInfo.processInfo.hostName
    let me = Int(ProcessInfo.processInfo.processIdentifier)
    let now = Date()

    /// The running runs with their process and last sign of life.
    static let running = TraceQuery(
        "SELECT \"id\", \"host\", \"processID\", COALESCE(\"heartbeatAt\", \"startedAt\") AS \"lastSign\" FROM \"runs\" WHERE \"status\" = ?",
        [.text(RunStatus.running.rawValue)]
    )

    /// Why a row of `running` is abandoned, or nil when it is not.
    func reason(_ row: Row) -> String? {
        let (runHost, processID, lastSign): (String, Int, Date) = (row["host"], row["processID"], row["lastSign"])
        let own = runHost == host && processID == me
        if own && sparingOwnRuns { return nil }
        if runHost == host && (own || !TraceStore.processIsAlive(processID)) {
            return "interrupted: process \(processID) ended before the run finished"
        }
        guard lastSign < now.addingTimeInterval(-staleAfter.milliseconds / 1000) else { return nil }
        return "interrupted: no heartbeat from process \(processID) on \(runHost) for \(Int(now.timeIntervalSince(lastSign))) s "
            + "(limit \(Int(staleAfter.milliseconds / 1000)) s)"
    }

    /// Marks one run interrupted unless it finished meanwhile; returns its id when it did.
    func marking(_ id: String, reason: String) -> TraceQuery {
        TraceQuery(
            "UPDATE \"runs\" SET \"status\" = ?, \"error\" = COALESCE(\"error\", ?), \"finishedAt\" = ? WHERE \"id\" = ? AND \"status\" = ? RETURNING \"id\"",
            [.text(RunStatus.interrupted.rawValue), .text(reason), .moment(now), .text(id), .text(RunStatus.running.rawValue)]
        )
    }
}
