import Foundation
import GRDB
import GRDBSQLite

/// The rows written for every message, inserted through statements prepared once per connection and bound by
/// hand: the per-message path of the executor does not go through `Codable` (about a tenth of a message's CPU when
/// it did), nor through `StatementArguments`, whose generic conversion of every value (a key path instantiated at
/// run time for each row) was half the cost of writing a row. A row's columns are its table's in `TraceSchema`, the
/// one list every engine binds; `TraceRecordsInsertingTests` reads rows back through the `Codable` records to keep
/// values and columns in step.
extension Database {
    /// Runs a statement prepared once per connection with `values` bound by position.
    ///
    /// The values are bound with SQLite's own calls, copied as GRDB copies them (text up to its first NUL, as GRDB
    /// binds it); GRDB still runs the statement, so its bookkeeping of transactions and its errors are the same.
    func executeBound(_ sql: String, _ values: [DatabaseValue]) throws {
        let statement = try cachedStatement(sql: sql)
        guard values.count == Int(sqlite3_bind_parameter_count(statement.sqliteStatement)) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "wrong number of statement arguments: \(values.count)",
                sql: sql
            )
        }
        // Resets the statement, clears its bindings and tells GRDB they are set.
        statement.setUncheckedArguments(StatementArguments())
        let handle = statement.sqliteStatement
        for (offset, value) in values.enumerated() {
            let code = Self.bind(value, at: Int32(offset + 1), to: handle)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: sql)
            }
        }
        try statement.execute()
    }

    /// SQLite's binding of one value, copied (`SQLITE_TRANSIENT`).
    private static func bind(_ value: DatabaseValue, at index: Int32, to handle: SQLiteStatement) -> Int32 {
        switch value.storage {
        case .null:
            sqlite3_bind_null(handle, index)
        case .int64(let integer):
            sqlite3_bind_int64(handle, index, integer)
        case .double(let double):
            sqlite3_bind_double(handle, index, double)
        case .string(let text):
            sqlite3_bind_text(handle, index, text, -1, transient)
        case .blob(let data):
            data.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return sqlite3_bind_zeroblob(handle, index, 0) }
                return sqlite3_bind_blob(handle, index, base, Int32(bytes.count), transient)
            }
        }
    }

    /// SQLite's destructor value that tells it to copy a bound value before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A trace row written by hand-bound statements: its values, in the order of its table's columns in `TraceSchema`
/// (an `id` assigned on insert left out).
protocol BoundRow {
    /// The row's table.
    static var table: String { get }
    /// The columns `boundValues` gives, in order: `schemaColumns()`, kept once per type (the insert paths read it
    /// for every row).
    static var boundColumns: [TraceSchema.Column] { get }
    /// The values of `boundColumns`, in order.
    var boundValues: [DatabaseValue] { get }
    /// SQLite's insert of the row (`sqliteInsert()`), made once per type.
    static var insertSQL: String { get }
}

extension BoundRow {
    /// The table's columns in `TraceSchema`, but those the record does not hold (written by other events).
    static func schemaColumns(except unbound: Set<String> = []) -> [TraceSchema.Column] {
        TraceSchema.table(named: table).columns.filter { !unbound.contains($0.name) }
    }

    /// `INSERT INTO table (columns) VALUES (?, …)` for SQLite.
    static func sqliteInsert() -> String {
        let columns = boundColumns.map(\.name)
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    }

    /// Inserts the row inside the caller's transaction; returns the row id SQLite gave it.
    @discardableResult
    func insertBound(_ db: Database) throws -> Int64 {
        try db.executeBound(Self.insertSQL, boundValues)
        return db.lastInsertedRowID
    }
}

extension MessageRecord: BoundRow {
    static let table = "messages"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [
            runID.databaseValue,
            step.databaseValue,
            agentIndex.databaseValue,
            role.databaseValue,
            model.databaseValue,
            provider.databaseValue,
            promptJSON.databaseValue,
            response.databaseValue,
            answer.databaseValue,
            promptTokens.databaseValue,
            completionTokens.databaseValue,
            tokensEstimated.databaseValue,
            costUSD.databaseValue,
            latencyMilliseconds.databaseValue,
            attempt.databaseValue,
            error.databaseValue,
            DatabaseTimestamp.value(startedAt),
            DatabaseTimestamp.value(finishedAt),
            spanID.databaseValue,
            parentSpanID.databaseValue,
            fallbackFrom.databaseValue,
            errorKind.databaseValue,
            httpStatus.databaseValue,
            recovery.databaseValue,
            finishReason.databaseValue,
            recordedCorrect.databaseValue,
            purpose.databaseValue,
        ]
    }
}

extension DeliveryRecord: BoundRow {
    static let table = "deliveries"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [
            runID.databaseValue,
            messageID.databaseValue,
            senderIndex.databaseValue,
            receiverIndex.databaseValue,
            step.databaseValue,
            verdict.databaseValue,
            detail.databaseValue,
        ]
    }
}

extension VerificationRecord: BoundRow {
    static let table = "verifications"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [
            runID.databaseValue,
            messageID.databaseValue,
            receiverIndex.databaseValue,
            checkName.databaseValue,
            outcome.databaseValue,
            detail.databaseValue,
        ]
    }
}

extension DecisionRecord: BoundRow {
    static let table = "decisions"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [
            runID.databaseValue,
            sequence.databaseValue,
            stage.databaseValue,
            position.databaseValue,
            chosen.databaseValue,
            probability.databaseValue,
            logProbability.databaseValue,
            pinned.databaseValue,
            candidatesJSON.databaseValue,
        ]
    }
}

extension AgentRecord: BoundRow {
    static let table = "agents"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [
            runID.databaseValue,
            agentIndex.databaseValue,
            role.databaseValue,
            model.databaseValue,
            fallbackModelsJSON.databaseValue,
            spanID.databaseValue,
            fault.databaseValue,
            quarantinedAtStep.databaseValue,
        ]
    }
}

extension RunRecord: BoundRow {
    static let table = "runs"
    /// The heartbeat is written by its own event while the run runs.
    static let boundColumns = schemaColumns(except: ["heartbeatAt"])
    static let insertSQL = sqliteInsert()
    static let updateSQL = "UPDATE runs SET \(boundColumns.dropFirst().map { "\($0.name) = ?" }.joined(separator: ", ")) WHERE id = ?"

    /// The row's values, column by column as `boundColumns` names them.
    var boundValues: [DatabaseValue] {
        [
            id.databaseValue,
            taskID.databaseValue,
            query.databaseValue,
            domain.databaseValue,
            answerKind.databaseValue,
            expectedAnswer.databaseValue,
            taskJSON.databaseValue,
            status.rawValue.databaseValue,
            stopReason.databaseValue,
            error.databaseValue,
            answer.databaseValue,
            score.databaseValue,
            costUSD.databaseValue,
            promptTokens.databaseValue,
            completionTokens.databaseValue,
            tokensEstimated.databaseValue,
            latencyMilliseconds.databaseValue,
            topology.databaseValue,
            agentCount.databaseValue,
            planLogProbability.databaseValue,
            controllerVersion.databaseValue,
            fleetName.databaseValue,
            fleetHash.databaseValue,
            catalogHash.databaseValue,
            simulated.databaseValue,
            seed.databaseValue,
            traceID.databaseValue,
            spanID.databaseValue,
            processID.databaseValue,
            host.databaseValue,
            DatabaseTimestamp.value(startedAt),
            DatabaseTimestamp.value(finishedAt),
            retries.databaseValue,
            fallbacks.databaseValue,
            verificationPolicy.databaseValue,
            faultsJSON.databaseValue,
            propagationRate.databaseValue,
            flaggedMessages.databaseValue,
            withheldDeliveries.databaseValue,
            quarantinedAgents.databaseValue,
            verificationCalls.databaseValue,
            verificationCostUSD.databaseValue,
            controllerTemperature.databaseValue,
            planJSON.databaseValue,
            replayOf.databaseValue,
            explorationFloor.databaseValue,
        ]
    }

    /// Writes every column but the id over the row with this id.
    func updateBound(_ db: Database) throws {
        try db.executeBound(Self.updateSQL, Array(boundValues.dropFirst()) + [id.databaseValue])
    }
}

extension EscalationRecord: BoundRow {
    static let table = "escalations"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [
            runID.databaseValue,
            step.databaseValue,
            fromAgent.databaseValue,
            toAgent.databaseValue,
            fromModel.databaseValue,
            toModel.databaseValue,
            probabilityWrong.databaseValue,
            threshold.databaseValue,
            escalated.databaseValue,
            reason.databaseValue,
        ]
    }
}

extension FeedbackRecord: BoundRow {
    static let table = "feedback"
    static let boundColumns = schemaColumns()
    static let insertSQL = sqliteInsert()

    var boundValues: [DatabaseValue] {
        [runID.databaseValue, score.databaseValue, note.databaseValue, DatabaseTimestamp.value(givenAt), source.databaseValue]
    }
}
