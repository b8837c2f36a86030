import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// Feedback on stored runs: kept as given, the latest scoring the run for training, refused with the field at fault.
@Suite(.timeLimit(.minutes(3))) struct FeedbackTests {
    /// Two runs of a task with no expected answer: stored without a score.
    static func unscoredRuns(in store: TraceStore) async throws -> [String] {
        let orchestrator = try await Orchestrator(catalog: try TestSupport.catalog(), store: store, logger: TestSupport.logger)
        var ids: [String] = []
        for index in 0..<2 {
            let task = OrchestrationTask(id: "unscored-\(index)", query: "Name a colour of the sky at noon.", domain: .general)
            ids.append(try await orchestrator.run(task, seed: UInt64(index)).runID)
        }
        return ids
    }

    @Test(arguments: StoreEngine.available) func theLatestFeedbackScoresTheRunForTraining(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let ids = try await Self.unscoredRuns(in: store)
            #expect(try await store.storedPlans().map(\.run.score) == [nil, nil], "no expected answer, no score")
            let first = try await store.recordFeedback(on: TraceIDs.short(ids[0]), score: 0.2, note: "vague", source: "library")
            #expect(first.runID == ids[0] && first.id != nil && first.note == "vague")
            _ = try await store.recordFeedback(on: ids[0], score: 0.9, source: "cli")
            let kept = try await store.feedback(runID: ids[0])
            #expect(kept.map(\.score) == [0.2, 0.9] && kept.map(\.source) == ["library", "cli"])
            #expect(kept.map(\.note) == ["vague", nil])
            let plans = try await store.storedPlans()
            #expect(plans.map(\.run.id) == ids)
            #expect(plans.map(\.run.score) == [0.9, nil], "the latest feedback is the run's score; the other run has none")
        }
    }

    @Test func feedbackOutsideItsBoundsOrForNoRunIsRefusedAndNothingIsKept() async throws {
        let store = try TraceStore.inMemory()
        let ids = try await Self.unscoredRuns(in: store)
        for score in [-0.1, 1.5, .nan, .infinity] {
            await #expect(throws: FeedbackError(field: "score", problem: "a number from 0 to 1, got \(score)")) {
                _ = try await store.recordFeedback(on: ids[0], score: score, source: "library")
            }
        }
        let long = String(repeating: "n", count: FeedbackRecord.longestNote + 1)
        let refused = await #expect(throws: FeedbackError.self) {
            _ = try await store.recordFeedback(on: ids[0], score: 0.5, note: long, source: "library")
        }
        #expect(refused?.field == "note")
        await #expect(throws: RunLookupError.self) {
            _ = try await store.recordFeedback(on: "ffffffff", score: 0.5, source: "library")
        }
        #expect(try await store.feedback(runID: ids[0]).isEmpty)
        // An empty note is no note.
        #expect(try await store.recordFeedback(on: ids[1], score: 1, note: "", source: "library").note == nil)
    }

    @Test func postFeedbackRecordsItOrNamesTheFieldAtFault() async throws {
        let server = try await ServerTests.server(token: "secret")
        let ids = try await Self.unscoredRuns(in: server.orchestrator.store)
        let headers: HTTPFields = [.authorization: "Bearer secret"]
        try await server.application().test(.router) { client in
            let body = #"{"run_id":"\#(TraceIDs.short(ids[1]))","score":0.75,"note":"right, but long"}"#
            try await client.execute(uri: "/v1/feedback", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let reply = try ServerTests.object(response.body)
                #expect(reply["object"] as? String == "feedback" && reply["run_id"] as? String == ids[1])
                #expect(reply["score"] as? Double == 0.75 && reply["note"] as? String == "right, but long")
            }
            #expect(try await server.orchestrator.store.feedback(runID: ids[1]).map(\.source) == ["api"])
            let faults: [(body: String, status: HTTPResponse.Status, param: String)] = [
                (#"{"run_id":"\#(ids[1])","score":2}"#, .badRequest, "score"),
                (#"{"run_id":"\#(ids[1])","score":"high"}"#, .badRequest, "score"),
                (#"{"score":0.5}"#, .badRequest, "run_id"),
                (#"{"run_id":"ffffffff","score":0.5}"#, .notFound, "run_id"),
            ]
            for fault in faults {
                try await client.execute(uri: "/v1/feedback", method: .post, headers: headers, body: ByteBuffer(string: fault.body)) { response in
                    #expect(response.status == fault.status, "\(fault.body)")
                    let error = try ServerTests.error(response.body)
                    #expect(error["param"] as? String == fault.param, "\(fault.body)")
                }
            }
            try await client.execute(uri: "/v1/feedback", method: .post, body: ByteBuffer(string: #"{"run_id":"\#(ids[0])","score":1}"#)) {
                response in
                #expect(response.status == .unauthorized, "behind serve's token like every other route")
            }
        }
        #expect(try await server.orchestrator.store.feedback(runID: ids[1]).count == 1, "no refused request left a row")
        #expect(try await server.orchestrator.store.feedback(runID: ids[0]).isEmpty)
    }
}
