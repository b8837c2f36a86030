import GRDB

/// A row of `escalations`: what a cascade's judge decided about one level's answer. `escalated` false means the
/// next level was skipped (it cost nothing), with the judge's score kept here.
public struct EscalationRecord: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "escalations"

    public var id: Int64?
    public var runID: String
    /// The step the next level would run in.
    public var step: Int
    /// The level whose answer was judged, and the level after it.
    public var fromAgent: Int
    public var toAgent: Int
    public var fromModel: String
    public var toModel: String
    /// The judge's probability that the answer is wrong; nil when no judge was fitted for the model and the checks
    /// decided.
    public var probabilityWrong: Double?
    /// The threshold the probability was held against, when one was.
    public var threshold: Double?
    public var escalated: Bool
    /// Why, in words.
    public var reason: String

    public init(
        id: Int64? = nil,
        runID: String,
        step: Int,
        fromAgent: Int,
        toAgent: Int,
        fromModel: String,
        toModel: String,
        probabilityWrong: Double?,
        threshold: Double?,
        escalated: Bool,
        reason: String
    ) {
        self.id = id
        self.runID = runID
        self.step = step
        self.fromAgent = fromAgent
        self.toAgent = toAgent
        self.fromModel = fromModel
        self.toModel = toModel
        self.probabilityWrong = probabilityWrong
        self.threshold = threshold
        self.escalated = escalated
        self.reason = reason
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension EscalationRecord: RunScopedRecord { static var orderWithinRun: Column { Column("id") } }

extension TraceStore {
    /// Records a cascade's escalation decision.
    public func recordEscalation(_ record: EscalationRecord) async throws {
        _ = try await write([.escalation(record)], runID: record.runID, known: [:])
    }

    /// A run's escalation decisions, in order.
    public func escalations(runID: String) async throws -> [EscalationRecord] {
        try await records(EscalationRecord.rowsOfRun(runID))
    }
}
