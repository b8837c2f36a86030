import GRDB

extension TraceStore {
    /// One run by id.
    public func run(id: String) async throws -> RunRecord? {
        try await records(TraceQuery("SELECT * FROM \"runs\" WHERE \"id\" = ?", [.text(id)]), as: RunRecord.self).first
    }

    /// The most recent runs, newest first.
    public func recentRuns(limit: Int = 50) async throws -> [RunRecord] {
        try await records(TraceQuery("SELECT * FROM \"runs\" ORDER BY \"startedAt\" DESC, \"id\" DESC LIMIT ?", [.integer(Int64(limit))]))
    }

    /// A run's decisions, in order.
    public func decisions(runID: String) async throws -> [DecisionRecord] {
        try await records(DecisionRecord.rowsOfRun(runID))
    }

    /// A run's agents, in order.
    public func agents(runID: String) async throws -> [AgentRecord] {
        try await records(AgentRecord.rowsOfRun(runID))
    }

    /// A run's messages, in the order they were recorded.
    public func messages(runID: String) async throws -> [MessageRecord] {
        try await records(MessageRecord.rowsOfRun(runID))
    }

    /// A run's deliveries, in the order they were recorded.
    public func deliveries(runID: String) async throws -> [DeliveryRecord] {
        try await records(DeliveryRecord.rowsOfRun(runID))
    }

    /// A run's verification verdicts, in the order they were recorded.
    public func verifications(runID: String) async throws -> [VerificationRecord] {
        try await records(VerificationRecord.rowsOfRun(runID))
    }

    /// Row counts of every table, for summaries and tests.
    public func counts() async throws -> TraceCounts {
        let tables = ["runs", "decisions", "agents", "messages", "deliveries", "verifications"]
        let sql = tables.map { "(SELECT COUNT(*) FROM \"\($0)\") AS \"\($0)\"" }.joined(separator: ", ")
        guard let row = try await rows(TraceQuery("SELECT \(sql)")).first else { throw TraceStoreError(description: "\(name): no counts") }
        return TraceCounts(
            runs: row["runs"],
            decisions: row["decisions"],
            agents: row["agents"],
            messages: row["messages"],
            deliveries: row["deliveries"],
            verifications: row["verifications"]
        )
    }

    /// The records a query reads.
    func records<Record: FetchableRecord>(_ query: TraceQuery, as type: Record.Type = Record.self) async throws -> [Record] {
        try await rows(query).map { try Record(row: $0) }
    }

    /// The rows a query reads.
    func rows(_ query: TraceQuery) async throws -> [Row] {
        try await engine.read(query).map(\.row)
    }
}

/// A table whose rows belong to one run, in an order of their own.
protocol RunScopedRecord: TableRecord {
    /// The order of a run's rows: decisions by sequence, agents by position, the rest as inserted.
    static var orderWithinRun: Column { get }
}

extension RunScopedRecord {
    /// This table's rows of one run, in order, in the SQL both engines read.
    static func rowsOfRun(_ runID: String) -> TraceQuery {
        TraceQuery("SELECT * FROM \"\(databaseTableName)\" WHERE \"runID\" = ? ORDER BY \"\(orderWithinRun.name)\"", [.text(runID)])
    }
}

extension DecisionRecord: RunScopedRecord { static var orderWithinRun: Column { Column("sequence") } }
extension AgentRecord: RunScopedRecord { static var orderWithinRun: Column { Column("agentIndex") } }
extension MessageRecord: RunScopedRecord { static var orderWithinRun: Column { Column("id") } }
extension FeedbackRecord: RunScopedRecord { static var orderWithinRun: Column { Column("id") } }
extension DeliveryRecord: RunScopedRecord { static var orderWithinRun: Column { Column("id") } }
extension VerificationRecord: RunScopedRecord { static var orderWithinRun: Column { Column("id") } }

/// How many rows each table holds.
public struct TraceCounts: Sendable, Equatable {
    public var runs: Int
    public var decisions: Int
    public var agents: Int
    public var messages: Int
    public var deliveries: Int
    public var verifications: Int
}
