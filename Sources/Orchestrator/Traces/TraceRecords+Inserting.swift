import Foundation
import GRDB

/// The rows written for every message, inserted through statements prepared once per connection and bound by
/// hand: the per-message path of the executor does not go through `Codable` (about a tenth of a message's CPU when
/// it did). Columns and values are listed side by side; `TraceRecordsInsertingTests` reads rows back through the
/// `Codable` records to keep the two in step.
extension MessageRecord {
    static let insertSQL = """
        INSERT INTO messages (runID, step, agentIndex, role, model, provider, promptJSON, response, answer, promptTokens, \
        completionTokens, tokensEstimated, costUSD, latencyMilliseconds, attempt, error, startedAt, finishedAt, spanID, \
        parentSpanID, fallbackFrom, errorKind, httpStatus, recovery, finishReason, recordedCorrect, purpose) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts the row; returns its id.
    func insertBound(_ db: Database) throws -> Int64 {
        let statement = try db.cachedStatement(sql: Self.insertSQL)
        let values: [(any DatabaseValueConvertible)?] = [
            runID, step, agentIndex, role, model, provider, promptJSON, response, answer, promptTokens,
            completionTokens, tokensEstimated, costUSD, latencyMilliseconds, attempt, error, startedAt, finishedAt, spanID,
            parentSpanID, fallbackFrom, errorKind, httpStatus, recovery, finishReason, recordedCorrect, purpose,
        ]
        statement.setUncheckedArguments(StatementArguments(values))
        try statement.execute()
        return db.lastInsertedRowID
    }
}

extension DeliveryRecord {
    static let insertSQL = """
        INSERT INTO deliveries (runID, messageID, senderIndex, receiverIndex, step, verdict, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
        """

    func insertBound(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: Self.insertSQL)
        let values: [(any DatabaseValueConvertible)?] = [runID, messageID, senderIndex, receiverIndex, step, verdict, detail]
        statement.setUncheckedArguments(StatementArguments(values))
        try statement.execute()
    }
}

extension VerificationRecord {
    static let insertSQL = """
        INSERT INTO verifications (runID, messageID, receiverIndex, checkName, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)
        """

    func insertBound(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: Self.insertSQL)
        let values: [(any DatabaseValueConvertible)?] = [runID, messageID, receiverIndex, checkName, outcome, detail]
        statement.setUncheckedArguments(StatementArguments(values))
        try statement.execute()
    }
}
