import Foundation
import GRDB
import Testing

@testable import Orchestrator

/// The hand-bound inserts of the per-message path write every column where the `Codable` records read it: a row
/// with a distinct value in every field comes back equal.
@Suite(.timeLimit(.minutes(5))) struct TraceRecordsInsertingTests {
    @Test func everyFieldOfAMessageItsDeliveryAndItsCheckComesBackAsWritten() async throws {
        let store = try TraceStore.inMemory()
        try await store.beginRun(TestSupport.runRecord(id: "run"))
        let start = Date(timeIntervalSince1970: 1_700_000_000.125)
        let message = MessageRecord(
            id: nil,
            runID: "run",
            step: 2,
            agentIndex: 3,
            role: "solver",
            model: "m",
            provider: "p",
            promptJSON: "[1]",
            response: "Answer: 7",
            answer: "7",
            promptTokens: 11,
            completionTokens: 13,
            tokensEstimated: true,
            costUSD: 0.25,
            latencyMilliseconds: 17.5,
            attempt: 19,
            error: "e",
            startedAt: start,
            finishedAt: start.addingTimeInterval(2.5),
            spanID: "span",
            parentSpanID: "parent",
            fallbackFrom: "planned",
            errorKind: "timeout",
            httpStatus: 503,
            recovery: "retried",
            finishReason: "stop",
            recordedCorrect: false,
            purpose: MessagePurpose.reAsk.rawValue
        )
        let earlier = try await store.recordMessage(message, deliveries: [])
        let delivery = DeliveryRecord(runID: "run", messageID: earlier, senderIndex: 3, receiverIndex: 4, step: 3, verdict: "disputed", detail: "d")
        let consistency = VerificationRecord(
            id: nil,
            runID: "run",
            messageID: earlier,
            receiverIndex: 4,
            checkName: "consistency",
            outcome: "disputed",
            detail: "c"
        )
        let check = CheckResult(check: .arithmetic, outcome: .failed, detail: "2 + 2 = 5 is wrong")
        let later = try await store.recordMessage(message, deliveries: [delivery], deliveryVerifications: [consistency], checks: [check])
        let (messages, deliveries, verifications) = try await store.writer.read { db in
            (try MessageRecord.fetchAll(db), try DeliveryRecord.fetchAll(db), try VerificationRecord.fetchAll(db))
        }
        var expected = message
        expected.id = earlier
        #expect(messages.first == expected)
        #expect(messages.map(\.id) == [earlier, later] && later > earlier)
        var expectedDelivery = delivery
        expectedDelivery.id = deliveries.first?.id
        #expect(deliveries == [expectedDelivery])
        #expect(verifications.count == 2)
        #expect(verifications.first { $0.receiverIndex == 4 }.map { [$0.messageID, $0.checkName == "consistency" ? 1 : 0] } == [earlier, 1])
        let own = try #require(verifications.first { $0.receiverIndex == nil })
        #expect(own.messageID == later && own.checkName == "arithmetic" && own.outcome == "failed" && own.detail == check.detail)
    }
}
