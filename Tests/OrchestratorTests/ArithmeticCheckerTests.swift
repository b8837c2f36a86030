import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Re-computing the arithmetic a message states, on the forms real model responses use.
@Suite(.timeLimit(.minutes(5))) struct ArithmeticCheckerTests {
    @Test(arguments: [
        ("She has 16 - 3 = 13 eggs left.", "16 - 3 = 13"),
        ("She sells these 9 eggs for 9 * $2 = $18.", "9 * 2 = 18"),
        ("which is 16 \\* 3/4 = 12 gift bags", "16 * 3 / 4 = 12"),
        ("2 + 3 * 4 = 14", "2 + 3 * 4 = 14"),
        ("(2 + 3) * 4 = 20", "( 2 + 3 ) * 4 = 20"),
        ("a total of 1,200 + 300 = 1,500 dollars", "1200 + 300 = 1500"),
        ("10 ÷ 4 = 2.5 hours", "10 / 4 = 2.5"),
        ("6 x 7 = 42 apples", "6 * 7 = 42"),
        ("The price is 10 / 3 = $3.33 each", "10 / 3 = 3.33"),
        ("(6 / 12) * 100 = 50%", "( 6 / 12 ) * 100 = 50%"),
    ])
    func statementsThatHold(text: String, shown: String) {
        let statements = ArithmeticChecker.statements(in: text)
        #expect(statements.count == 1, "\(statements)")
        #expect(statements.first?.text == shown)
        #expect(statements.first?.holds == true, "\(statements)")
    }

    @Test(arguments: [
        ("3 + 3 + 3 + 4 = 12 sheep", 13.0),
        ("2100 * 52 = 110400", 109200),
        ("He pays 12000 + 20000 + 250000 = 380000", 282000),
        ("10 / 3 = 3.4", 10.0 / 3),
    ])
    func statementsThatDoNotHold(text: String, computed: Double) {
        let errors = ArithmeticChecker.errors(in: text)
        #expect(errors.count == 1)
        #expect(abs((errors.first?.computed ?? 0) - computed) < 1e-9)
    }

    @Test func gsm8kAnnotationsAreCheckedOnceAndChainsStepByStep() {
        let text = "She sells these 9 eggs at the market for 9 * $2 = $<<9*2=18>>18.\nSo 12 + 43 = $<<12+43=55>>55 ÷ 5 = $<<55/5=11>>11 each."
        let statements = ArithmeticChecker.statements(in: text)
        #expect(statements.count == 6, "\(statements.map(\.text))")
        #expect(statements.allSatisfy { $0.holds }, "\(statements)")
        #expect(ArithmeticChecker.errors(in: "<<9*2=19>>19").count == 1)
    }

    @Test func expressionsWithUnknownsOrNoOperatorAreNotStatements() {
        #expect(ArithmeticChecker.statements(in: "240 * 100% = 40 * Total students").isEmpty)
        #expect(ArithmeticChecker.statements(in: "Let x * 3 = 12").isEmpty)
        #expect(ArithmeticChecker.statements(in: "x = 12, so the answer is 12").isEmpty)
        #expect(ArithmeticChecker.statements(in: "Answer: 42").isEmpty)
    }
}
