import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The checks a message goes through before a neighbour sees it.
@Suite(.timeLimit(.minutes(5))) struct MessageVerifierTests {
    static let mmluQuery = """
        The following are multiple choice questions about physics.
        What is 2 + 2?
        A. 3
        B. 4
        C. 5
        D. 22
        Answer:
        """

    static func outcome(_ results: [CheckResult], _ check: CheckResult.Check) -> CheckResult.Outcome? {
        results.first { $0.check == check }?.outcome
    }

    @Test func workedNumericAnswerPassesEveryCheck() {
        let results = MessageVerifier.check(
            response: "6 * 14 = 84 cookies, and 84 - 17 = 67.\nAnswer: 67",
            kind: .number,
            query: "6 tins of 14, gives away 17"
        )
        #expect(!results.hasDoubt, "\(results)")
        #expect(Self.outcome(results, .arithmetic) == .passed)
        #expect(Self.outcome(results, .support) == .passed)
    }

    @Test func aSlipFailsTheArithmeticCheckWithTheRightValue() {
        let results = MessageVerifier.check(response: "6 * 14 = 84, then 84 - 17 = 57.\nAnswer: 57", kind: .number, query: "q")
        #expect(Self.outcome(results, .arithmetic) == .failed)
        #expect(results.doubts.contains("84 - 17 = 57 is wrong: it is 67"), "\(results.doubts)")
        #expect(results.hasFailure)
    }

    @Test func aBareAnswerIsUnsupportedUnlessTheTaskGivesIt() {
        let bare = MessageVerifier.check(response: "Answer: 13", kind: .number, query: "How many of the 7 apples are left?")
        #expect(Self.outcome(bare, .support) == .unsupported)
        #expect(bare.hasDoubt && !bare.hasFailure)
        let given = MessageVerifier.check(response: "Answer: 7", kind: .number, query: "How many of the 7 apples are left?")
        #expect(Self.outcome(given, .support) == .passed)
    }

    @Test func noReadableAnswerFailsTheFormatCheck() {
        let results = MessageVerifier.check(response: "~~ no signal ~~", kind: .number, query: "q")
        #expect(Self.outcome(results, .format) == .failed)
        #expect(MessageVerifier.check(response: "   ", kind: .text, query: "q").hasFailure)
    }

    @Test func optionLinesAreReadInEveryShapeTheyComeIn() {
        #expect(ChoiceOptions.letters(in: "Pick.\r\nA. red\r\nB. blue\r\nC. green") == ["A", "B", "C"])
        #expect(ChoiceOptions.letters(in: "Pick.\n  (A) red\n\t(B)\tblue") == ["A", "B"])
        #expect(ChoiceOptions.letters(in: "A) one\nB) two\n\nNow:\nA. x\nB. y\nC. z\nD. w") == ["A", "B", "C", "D"])
        // Not options: no blank after the mark, nothing after the blank, a letter past J, letters out of order.
        #expect(ChoiceOptions.letters(in: "A.red\nB.blue").isEmpty)
        #expect(ChoiceOptions.letters(in: "A. \nB. ").isEmpty)
        #expect(ChoiceOptions.letters(in: "K. one\nL. two").isEmpty)
        #expect(ChoiceOptions.letters(in: "B. one\nA. two").isEmpty)
        #expect(ChoiceOptions.letters(in: "A: one\nB: two").isEmpty)
    }

    @Test func hedgingWordsAreCountedWhereverTheyStand() throws {
        #expect(TextSearch.occurrences(of: "wait", in: "wait, wait... waiting") == 3)
        #expect(TextSearch.occurrences(of: "aa", in: "aaaaa") == 2)
        #expect(TextSearch.occurrences(of: "not sure", in: "not  sure") == 0)
        #expect(TextSearch.occurrences(of: "é", in: "café, née") == 2)
        #expect(TextSearch.lastRange(of: "ab", in: "xabyab").map { "xabyab"[..<$0.lowerBound] } == "xaby")
        #expect(TextSearch.firstRange(of: ">>", in: "a >b >> c"[...]).map { "a >b >> c"[$0.upperBound...] } == " c")
        #expect(TextSearch.lastRange(of: "", in: "abc") == nil)
        let response = "Wait, I might be wrong. WAIT: actually 2 + 2 = 4.\nAnswer: 4"
        let hedging = try #require(ResponseFeatures.names.firstIndex(of: "hedging words (log)"))
        #expect(ResponseFeatures.values(response: response, kind: .number, query: "What is 2 + 2?")[hedging] == log1p(4))
    }

    @Test func aChoiceMustBeOneOfTheOptions() {
        #expect(ChoiceOptions.letters(in: Self.mmluQuery) == ["A", "B", "C", "D"])
        #expect(Self.outcome(MessageVerifier.check(response: "Answer: B", kind: .choice, query: Self.mmluQuery), .choice) == .passed)
        let invalid = MessageVerifier.check(response: "Answer: F", kind: .choice, query: Self.mmluQuery)
        #expect(Self.outcome(invalid, .choice) == .failed)
        #expect(invalid.doubts.contains("F is not an option; the task lists A, B, C, D"))
        #expect(Self.outcome(MessageVerifier.check(response: "Answer: F", kind: .choice, query: "Pick one."), .choice) == .skipped)
    }

    @Test func deliveriesFollowThePolicy() {
        func output(_ id: Int64, _ response: String) -> Executor.AgentOutput {
            let checks = MessageVerifier.check(response: response, kind: .number, query: "q")
            return Executor.AgentOutput(
                message: RunLedger.MessageKey(value: Int(id)),
                response: response,
                answer: AnswerExtractor.extract(from: response, kind: .number),
                checks: checks
            )
        }
        let inputs = [
            (sender: 0, output: output(1, "3 + 4 = 7\nAnswer: 7")),
            (sender: 1, output: output(2, "3 + 4 = 8\nAnswer: 8")),
            (sender: 2, output: output(3, "5 + 3 = 8\nAnswer: 8")),
        ]
        let off = DeliveryPlanner.deliveries(from: inputs, policy: .off, quarantined: [])
        #expect(off.map(\.verdict) == [.unchecked, .unchecked, .unchecked])

        let checked = DeliveryPlanner.deliveries(from: inputs, policy: .check, quarantined: [])
        #expect(checked.map(\.verdict) == [.disputed, .unverified, .disputed])
        #expect(checked[0].detail == "answers differ: 7 (agent 0) · 8 (agents 1, 2)")
        #expect(checked[1].detail?.contains("3 + 4 = 8 is wrong: it is 7") == true)

        let quarantining = DeliveryPlanner.deliveries(from: inputs, policy: .checkAndQuarantine, quarantined: [2])
        #expect(quarantining.map(\.verdict) == [.verified, .withheld, .quarantined])
    }
}
