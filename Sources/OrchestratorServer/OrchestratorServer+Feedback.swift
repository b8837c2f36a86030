import Foundation
import Hummingbird
import Orchestrator

/// `POST /v1/feedback`: a score in [0, 1] and an optional note for a stored run, by the run id every answer carries
/// (`orchestrate.run_id`; a short id works), given any time after the run. The latest feedback of a run counts for
/// training as an expected answer's score would.
struct FeedbackRequest: Decodable, Sendable {
    var runID: String
    var score: Double
    var note: String?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case score, note
    }
}

/// The stored feedback, as `POST /v1/feedback` answers it.
struct FeedbackResponse: Encodable, Sendable {
    var object = "feedback"
    var id: Int64?
    var runID: String
    var score: Double
    var note: String?
    /// Unix seconds.
    var created: Int

    enum CodingKeys: String, CodingKey {
        case object, id, score, note, created
        case runID = "run_id"
    }

    init(_ record: FeedbackRecord) {
        id = record.id
        runID = record.runID
        score = record.score
        note = record.note
        created = Int(record.givenAt.timeIntervalSince1970)
    }
}

extension OrchestratorServer {
    /// Records the feedback a request gives: 400 naming the field at fault, 404 for a run the store does not have, 503
    /// while the store cannot write.
    func feedback(_ request: Request) async throws -> Response {
        var request = request
        let given = try await decodeBody(FeedbackRequest.self, of: &request)
        do {
            let record = try await orchestrator.store.recordFeedback(on: given.runID, score: given.score, note: given.note, source: "api")
            return try Self.json(FeedbackResponse(record))
        } catch let error as FeedbackError {
            throw OpenAIError.invalid(error.description, param: error.field)
        } catch let error as RunLookupError {
            throw OpenAIError(status: .notFound, message: error.description, type: "not_found_error", param: "run_id", code: "run_not_found")
        } catch let failure as TraceStoreFailure {
            throw OpenAIError.storeUnavailable(failure, runID: given.runID)
        }
    }
}
