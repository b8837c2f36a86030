import Foundation
import GRDB
import OrchestratorTestSupport
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
        // The delivery reaches the later message's sender (agent 3) in its step (2); disputed, it gets its verdict.
        let delivery = DeliveryRecord(runID: "run", messageID: earlier, senderIndex: 5, receiverIndex: 3, step: 2, verdict: "disputed", detail: "d")
        let check = CheckResult(check: .arithmetic, outcome: .failed, detail: "2 + 2 = 5 is wrong")
        let later = try await store.recordMessage(message, deliveries: [delivery], checks: [check])
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
        let consistency = try #require(verifications.first { $0.receiverIndex == 3 })
        #expect(consistency.messageID == earlier && consistency.checkName == "consistency" && consistency.outcome == "disputed")
        #expect(consistency.detail == "d")
        let own = try #require(verifications.first { $0.receiverIndex == nil })
        #expect(own.messageID == later && own.checkName == "arithmetic" && own.outcome == "failed" && own.detail == check.detail)
    }

    @Test func everyFieldOfADecisionAndAnAgentComesBackAsWritten() async throws {
        let store = try TraceStore.inMemory()
        try await store.beginRun(TestSupport.runRecord(id: "run"))
        let decision = DecisionRecord(
            runID: "run",
            sequence: 3,
            stage: "model",
            position: 2,
            chosen: "m",
            probability: 0.625,
            logProbability: -0.47,
            pinned: true,
            candidatesJSON: "[{\"name\":\"m\"}]"
        )
        let agent = AgentRecord(
            runID: "run",
            agentIndex: 4,
            role: "solver",
            model: "m",
            fallbackModelsJSON: "[\"n\"]",
            spanID: "span",
            fault: "wrong-answer",
            quarantinedAtStep: 5
        )
        try await store.writer.write { db in
            try decision.insertBound(db)
            try agent.insertBound(db)
        }
        let (decisions, agents) = try await store.writer.read { db in (try DecisionRecord.fetchAll(db), try AgentRecord.fetchAll(db)) }
        #expect(decisions == [decision])
        #expect(agents == [agent])
    }

    @Test func everyFieldOfARunComesBackAsInsertedAndAsUpdated() async throws {
        let store = try TraceStore.inMemory()
        var run = TestSupport.runRecord(id: "run")
        run.domain = "math"
        run.expectedAnswer = "7"
        run.startedAt = Date(timeIntervalSince1970: 1_700_000_000.25)
        let inserted = run
        try await store.writer.write { db in try inserted.insertBound(db) }
        #expect(try await store.run(id: "run") == run)
        // Every column takes a value other than its default and the one inserted.
        run.taskID = "t2"
        run.query = "q2"
        run.domain = "code"
        run.answerKind = "text"
        run.expectedAnswer = "8"
        run.taskJSON = "{}"
        run.status = .stopped
        run.stopReason = "budget"
        run.error = "e"
        run.answer = "a"
        run.score = 0.5
        run.costUSD = 1.25
        run.promptTokens = 11
        run.completionTokens = 13
        run.tokensEstimated = !run.tokensEstimated
        run.latencyMilliseconds = 17.5
        run.topology = "debate"
        run.agentCount = 6
        run.planLogProbability = -2.5
        run.controllerVersion = "c2"
        run.fleetName = "f2"
        run.fleetHash = "fh2"
        run.catalogHash = "ch2"
        run.simulated = !run.simulated
        run.seed = "99"
        run.traceID = "trace2"
        run.spanID = "span2"
        run.processID = 4242
        run.host = "h2"
        run.startedAt = Date(timeIntervalSince1970: 1_700_000_001.5)
        run.finishedAt = Date(timeIntervalSince1970: 1_700_000_002.75)
        run.retries = 2
        run.fallbacks = 3
        run.verificationPolicy = VerificationPolicy.checkAndQuarantine.rawValue
        run.faultsJSON = "[]"
        run.propagationRate = 0.25
        run.flaggedMessages = 4
        run.withheldDeliveries = 5
        run.quarantinedAgents = 6
        run.verificationCalls = 7
        run.verificationCostUSD = 0.125
        run.controllerTemperature = 0.5
        run.planJSON = "{\"agents\":[]}"
        run.replayOf = "earlier"
        let updated = run
        try await store.writer.write { db in try updated.updateBound(db) }
        #expect(try await store.run(id: "run") == run)
        // The record holds exactly the columns it binds: a field added to it and not to the schema fails here.
        #expect(Mirror(reflecting: run).children.compactMap(\.label) == RunRecord.boundColumns.map(\.name))
    }

    /// Dates are written as GRDB writes them (its `DateFormatter`), so rows compare and sort with older rows.
    @Test func timestampsAreTheTextGRDBWritesForADate() {
        var generator = SeededGenerator(seed: 15)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.0005), Date(timeIntervalSince1970: 951_782_400.9999)]
        for _ in 0..<2_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...7_000_000_000, using: &generator)))
        }
        for date in dates {
            #expect(DatabaseTimestamp.value(date) == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }
}
