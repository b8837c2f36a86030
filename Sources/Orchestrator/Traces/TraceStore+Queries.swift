import GRDB

extension TraceStore {
    /// One run by id.
    public func run(id: String) async throws -> RunRecord? {
        try await writer.read { db in try RunRecord.fetchOne(db, key: id) }
    }

    /// The most recent runs, newest first.
    public func recentRuns(limit: Int = 50) async throws -> [RunRecord] {
        try await writer.read { db in
            try RunRecord.order(Column("startedAt").desc).limit(limit).fetchAll(db)
        }
    }

    /// A run's decisions, in order.
    public func decisions(runID: String) async throws -> [DecisionRecord] {
        try await writer.read { db in
            try DecisionRecord.ofRun(runID).fetchAll(db)
        }
    }

    /// A run's agents, in order.
    public func agents(runID: String) async throws -> [AgentRecord] {
        try await writer.read { db in
            try AgentRecord.ofRun(runID).fetchAll(db)
        }
    }

    /// A run's messages, in the order they were recorded.
    public func messages(runID: String) async throws -> [MessageRecord] {
        try await writer.read { db in
            try MessageRecord.ofRun(runID).fetchAll(db)
        }
    }

    /// A run's deliveries, in the order they were recorded.
    public func deliveries(runID: String) async throws -> [DeliveryRecord] {
        try await writer.read { db in
            try DeliveryRecord.ofRun(runID).fetchAll(db)
        }
    }

    /// A run's verification verdicts, in the order they were recorded.
    public func verifications(runID: String) async throws -> [VerificationRecord] {
        try await writer.read { db in
            try VerificationRecord.ofRun(runID).fetchAll(db)
        }
    }

    /// Row counts of every table, for summaries and tests.
    public func counts() async throws -> TraceCounts {
        try await writer.read { db in
            TraceCounts(
                runs: try RunRecord.fetchCount(db),
                decisions: try DecisionRecord.fetchCount(db),
                agents: try AgentRecord.fetchCount(db),
                messages: try MessageRecord.fetchCount(db),
                deliveries: try DeliveryRecord.fetchCount(db),
                verifications: try VerificationRecord.fetchCount(db)
            )
        }
    }
}

/// A table whose rows belong to one run, in an order of their own.
protocol RunScopedRecord: TableRecord {
    /// The order of a run's rows: decisions by sequence, agents by position, the rest as inserted.
    static var orderWithinRun: Column { get }
}

extension RunScopedRecord {
    /// This table's rows of one run, in order.
    static func ofRun(_ runID: String) -> QueryInterfaceRequest<Self> {
        filter(Column("runID") == runID).order(orderWithinRun)
    }
}

extension DecisionRecord: RunScopedRecord { static var orderWithinRun: Column { Column("sequence") } }
extension AgentRecord: RunScopedRecord { static var orderWithinRun: Column { Column("agentIndex") } }
extension MessageRecord: RunScopedRecord { static var orderWithinRun: Column { Column("id") } }
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
