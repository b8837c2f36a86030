import GRDB

extension TraceStore {
    /// The stored single-agent runs as recorded outcomes: each completed, scored run with one agent (replays left
    /// out) gives the outcome of the model that answered on its query — right when the score is 1, its last
    /// response, and the run's token counts and cost. Runs of the same query share one item; a model's first run of
    /// a query counts. Models are keyed by their fleet name.
    public func recordedOutcomes() async throws -> RecordedOutcomes {
        let rows = try await rows(
            TraceQuery(
                """
                SELECT r."id", r."taskID", r."query", r."domain", r."answerKind", r."expectedAnswer", r."score",
                       r."promptTokens", r."completionTokens", r."tokensEstimated", r."costUSD", m."model", m."response"
                FROM "runs" AS r
                JOIN "messages" AS m ON m."id" = (
                    SELECT "id" FROM "messages" WHERE "runID" = r."id" AND "response" IS NOT NULL AND "error" IS NULL ORDER BY "id" DESC LIMIT 1
                )
                WHERE r."agentCount" = 1 AND r."status" = 'completed' AND r."score" IS NOT NULL AND r."replayOf" IS NULL
                ORDER BY r."startedAt", r."id"
                """
            )
        )
        var outcomes = RecordedOutcomes()
        for row in rows {
            let tokensEstimated: Bool = row["tokensEstimated"]
            let outcome = RecordedOutcomes.Outcome(
                correct: (row["score"] as Double) >= 1,
                response: row["response"],
                promptTokens: tokensEstimated ? nil : row["promptTokens"],
                completionTokens: tokensEstimated ? nil : row["completionTokens"],
                costUSD: row["costUSD"]
            )
            let kind = (row["answerKind"] as String?).flatMap(AnswerKind.init(rawValue:)) ?? .text
            outcomes.merge(
                RecordedOutcomes.Item(
                    dataset: "traces",
                    id: row["taskID"],
                    query: row["query"],
                    expected: (row["expectedAnswer"] as String?).map { ExpectedAnswer(value: $0, kind: kind) },
                    domain: (row["domain"] as String?).flatMap(Domain.init(rawValue:)) ?? .general,
                    outcomes: [row["model"]: outcome]
                )
            )
        }
        return outcomes
    }
}
