import Foundation
import GRDB

extension TraceStore {
    /// Attaches feedback to the run a full or short id names (`resolveRun`; `RunLookupError` when it names none or
    /// several) and returns it as stored. A run may be scored any time after it ran, and again: the latest counts.
    public func recordFeedback(
        on reference: String,
        score: Double,
        note: String? = nil,
        source: String
    ) async throws -> FeedbackRecord {
        let run = try await resolveRun(reference)
        var feedback = try FeedbackRecord(runID: run.id, score: score, note: note, source: source)
        let inserted = try await engine.change(
            TraceQuery(
                """
                INSERT INTO "feedback" ("runID", "score", "note", "givenAt", "source") VALUES (?, ?, ?, ?, ?) RETURNING "id"
                """,
                [
                    .text(feedback.runID), .double(feedback.score), feedback.note.map(TraceValue.text) ?? .null, .moment(feedback.givenAt),
                    .text(source),
                ]
            )
        )
        feedback.id = inserted.first?.row["id"]
        return feedback
    }

    /// Every feedback a run got, oldest first.
    public func feedback(runID: String) async throws -> [FeedbackRecord] {
        try await records(FeedbackRecord.rowsOfRun(runID))
    }

    /// The latest feedback score of each run the query's `SELECT "id" …` tail chooses (`chosen` starts at `FROM`).
    func latestFeedbackScores(ofRuns chosen: TraceQuery) async throws -> [String: Double] {
        let query =
            TraceQuery("SELECT \"runID\", \"score\" FROM \"feedback\" WHERE \"runID\" IN (SELECT \"id\" ") + chosen
            + TraceQuery(") ORDER BY \"id\"")
        var latest: [String: Double] = [:]
        for row in try await rows(query) {
            latest[row["runID"]] = row["score"]
        }
        return latest
    }
}
