import Foundation
import GRDB

/// The rows written for every message, inserted through statements prepared once per connection and bound by
/// hand: the per-message path of the executor does not go through `Codable` (about a tenth of a message's CPU when
/// it did). Columns and values are listed side by side; `TraceRecordsInsertingTests` reads rows back through the
/// `Codable` records to keep the two in step.
extension Database {
    /// Runs a statement prepared once per connection with `values` bound by position.
    func executeBound(_ sql: String, _ values: [DatabaseValue]) throws {
        let statement = try cachedStatement(sql: sql)
        if values.count <= 20 {
            // Up to 20 arguments GRDB binds text in place, without copying it.
            try statement.execute(arguments: StatementArguments(values))
        } else {
            statement.setUncheckedArguments(StatementArguments(values))
            try statement.execute()
        }
    }
}

extension MessageRecord {
    static let insertSQL = """
        INSERT INTO messages (runID, step, agentIndex, role, model, provider, promptJSON, response, answer, promptTokens, \
        completionTokens, tokensEstimated, costUSD, latencyMilliseconds, attempt, error, startedAt, finishedAt, spanID, \
        parentSpanID, fallbackFrom, errorKind, httpStatus, recovery, finishReason, recordedCorrect, purpose) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts the row; returns its id.
    func insertBound(_ db: Database) throws -> Int64 {
        let values: [DatabaseValue] = [
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
        try db.executeBound(Self.insertSQL, values)
        return db.lastInsertedRowID
    }
}

extension DeliveryRecord {
    static let insertSQL = """
        INSERT INTO deliveries (runID, messageID, senderIndex, receiverIndex, step, verdict, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
        """

    func insertBound(_ db: Database) throws {
        let values: [DatabaseValue] = [
            runID.databaseValue,
            messageID.databaseValue,
            senderIndex.databaseValue,
            receiverIndex.databaseValue,
            step.databaseValue,
            verdict.databaseValue,
            detail.databaseValue,
        ]
        try db.executeBound(Self.insertSQL, values)
    }
}

extension VerificationRecord {
    static let insertSQL = """
        INSERT INTO verifications (runID, messageID, receiverIndex, checkName, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)
        """

    func insertBound(_ db: Database) throws {
        let values: [DatabaseValue] = [
            runID.databaseValue,
            messageID.databaseValue,
            receiverIndex.databaseValue,
            checkName.databaseValue,
            outcome.databaseValue,
            detail.databaseValue,
        ]
        try db.executeBound(Self.insertSQL, values)
    }
}

extension DecisionRecord {
    static let insertSQL = """
        INSERT INTO decisions (runID, sequence, stage, position, chosen, probability, logProbability, pinned, candidatesJSON) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    func insertBound(_ db: Database) throws {
        let values: [DatabaseValue] = [
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
        try db.executeBound(Self.insertSQL, values)
    }
}

extension AgentRecord {
    static let insertSQL = """
        INSERT INTO agents (runID, agentIndex, role, model, fallbackModelsJSON, spanID, fault, quarantinedAtStep) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    func insertBound(_ db: Database) throws {
        let values: [DatabaseValue] = [
            runID.databaseValue,
            agentIndex.databaseValue,
            role.databaseValue,
            model.databaseValue,
            fallbackModelsJSON.databaseValue,
            spanID.databaseValue,
            fault.databaseValue,
            quarantinedAtStep.databaseValue,
        ]
        try db.executeBound(Self.insertSQL, values)
    }
}

extension RunRecord {
    /// Every column of `runs`, in the order `boundValues` gives them.
    static let boundColumns = [
        "id",
        "taskID",
        "query",
        "domain",
        "answerKind",
        "expectedAnswer",
        "taskJSON",
        "status",
        "stopReason",
        "error",
        "answer",
        "score",
        "costUSD",
        "promptTokens",
        "completionTokens",
        "tokensEstimated",
        "latencyMilliseconds",
        "topology",
        "agentCount",
        "planLogProbability",
        "controllerVersion",
        "fleetName",
        "fleetHash",
        "catalogHash",
        "simulated",
        "seed",
        "traceID",
        "spanID",
        "processID",
        "host",
        "startedAt",
        "finishedAt",
        "retries",
        "fallbacks",
        "verificationPolicy",
        "faultsJSON",
        "propagationRate",
        "flaggedMessages",
        "withheldDeliveries",
        "quarantinedAgents",
        "verificationCalls",
        "verificationCostUSD",
        "controllerTemperature",
        "planJSON",
        "replayOf",
    ]
    static let insertSQL =
        "INSERT INTO runs (\(boundColumns.joined(separator: ", "))) VALUES (\(boundColumns.map { _ in "?" }.joined(separator: ", ")))"
    static let updateSQL = "UPDATE runs SET \(boundColumns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"

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
        ]
    }

    /// Inserts the row.
    func insertBound(_ db: Database) throws {
        try db.executeBound(Self.insertSQL, boundValues)
    }

    /// Writes every column but the id over the row with this id.
    func updateBound(_ db: Database) throws {
        try db.executeBound(Self.updateSQL, Array(boundValues.dropFirst()) + [id.databaseValue])
    }
}
