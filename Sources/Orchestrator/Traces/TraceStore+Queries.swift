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
            try DecisionRecord.filter(Column("runID") == runID).order(Column("sequence")).fetchAll(db)
        }
    }

    /// A run's agents, in order.
    public func agents(runID: String) async throws -> [AgentRecord] {
        try await writer.read { db in
            try AgentRecord.filter(Column("runID") == runID).order(Column("agentIndex")).fetchAll(db)
        }
    }

    /// A run's messages, in the order they were recorded.
    public func messages(runID: String) async throws -> [MessageRecord] {
        try await writer.read { db in
            try MessageRecord.filter(Column("runID") == runID).order(Column("id")).fetchAll(db)
        }
    }

    /// A run's deliveries, in the order they were recorded.
    public func deliveries(runID: String) async throws -> [DeliveryRecord] {
        try await writer.read { db in
            try DeliveryRecord.filter(Column("runID") == runID).order(Column("id")).fetchAll(db)
        }
    }

    /// A run's verification verdicts, in the order they were recorded.
    public func verifications(runID: String) async throws -> [VerificationRecord] {
        try await writer.read { db in
            try VerificationRecord.filter(Column("runID") == runID).order(Column("id")).fetchAll(db)
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

/// How many rows each table holds.
public struct TraceCounts: Sendable, Equatable {
    public var runs: Int
    public var decisions: Int
    public var agents: Int
    public var messages: Int
    public var deliveries: Int
    public var verifications: Int
}
