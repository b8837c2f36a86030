import GRDB

/// What a trace store asks of the database under it: SQLite (`SQLiteTraceEngine`, the embedded default) or
/// PostgreSQL (`PostgresTraceEngine`, shared by several processes on several machines). Both keep the same tables
/// (`TraceSchema`) and the same migrations; everything else the store does is written once above this, in SQL both
/// engines read (`TraceQuery`), so nothing that uses a store knows which engine it has.
protocol TraceEngine: Sendable {
    /// Where the rows live, for messages: a path, or a URL without its password.
    var name: String { get }

    /// Writes runs' batches of events in one transaction, each in order, all or none; returns, for each batch, the
    /// row id of each message it wrote. A batch's `known` holds the ids of its run's messages written by earlier
    /// batches, which deliveries may name; one naming a message neither written nor in the batch throws
    /// `UnknownMessage`. A numbered batch (0, 1, … for one run) is written exactly once (`RunWriteMark`): written
    /// again, it writes nothing and gives back the ids its first write gave; an unnumbered one is written each time.
    /// A group with an unnumbered batch is not tried again after a lost connection.
    func write(_ batches: [RunBatch]) async throws -> [[TraceEvent.MessageKey: Int64]]

    /// How many write transactions are worth running at once (`GroupCommit`): SQLite has one writer.
    var concurrentWrites: Int { get }

    /// Adds a stored run's trace as it is, in one transaction, with fresh row ids (deliveries and verdicts follow
    /// their messages); returns false, writing nothing, when a run with its id is here already.
    func insert(_ trace: RunTrace) async throws -> Bool

    /// The rows each query reads, all in one transaction, each value as SQLite would hold it (timestamps as the
    /// store's UTC text, booleans as 0 and 1), so that records decode the same from either engine.
    func read(_ queries: [TraceQuery]) async throws -> [[TraceRow]]

    /// Runs a statement that changes rows, in a transaction of its own; returns the rows of its `RETURNING` clause.
    func change(_ query: TraceQuery) async throws -> [TraceRow]

    /// Per-model limits kept across every process that uses this store, or nil when each process keeps its own.
    var sharedLimits: (any SharedModelLimits)? { get }

    /// Whether the store can write now, as its last operations found it.
    var health: TraceStoreHealth { get }

    /// Makes one small bounded write (SQLite) or round trip (PostgreSQL), so that `health` says whether the store
    /// works now; throws a `TraceStoreFailure` when it does not.
    func probe() async throws
}

extension TraceEngine {
    /// The rows a query reads.
    func read(_ query: TraceQuery) async throws -> [TraceRow] {
        try await read([query])[0]
    }
}

/// A row a query read, each value as SQLite would hold it; a value that can cross tasks, unlike GRDB's `Row`.
struct TraceRow: Sendable {
    var values: [String: DatabaseValue]

    /// The row as GRDB reads it, for records' own decoding.
    var row: Row { Row(values) }
}

extension TraceRow {
    /// A SQLite row's values.
    init(_ row: Row) {
        values = Dictionary(zip(row.columnNames, row.databaseValues), uniquingKeysWith: { first, _ in first })
    }
}
