import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The escalation judge: logistic regression fitted by Newton's method, ROC areas, thresholds, and the learned
/// cascade on the real recorded GSM8K answers.
@Suite(.timeLimit(.minutes(5))) struct EscalationJudgeTests {
    /// Labels drawn from a known logistic model; the fit recovers its weights.
    @Test func logisticRegressionRecoversKnownWeights() {
        var random = SeededGenerator(seed: 11)
        var features: [[Double]] = []
        var labels: [Bool] = []
        for _ in 0..<4_000 {
            let x = [Double.random(in: -2...2, using: &random), Double.random(in: -2...2, using: &random)]
            let p = 1 / (1 + exp(-(0.5 + 2 * x[0] - 1 * x[1])))
            features.append(x)
            labels.append(Double.random(in: 0..<1, using: &random) < p)
        }
        let model = LogisticModel.fit(features: features, labels: labels, penalty: 0)
        // Weights are on standardised features: undo the scaling to compare with the generating ones.
        let slopes = (0..<2).map { model.weights[$0 + 1] / model.scales[$0] }
        let intercept = model.weights[0] - (0..<2).reduce(0) { $0 + slopes[$1] * model.means[$1] }
        #expect(abs(slopes[0] - 2) < 0.2 && abs(slopes[1] + 1) < 0.15 && abs(intercept - 0.5) < 0.15, "\(slopes) \(intercept)")
        #expect(abs(model.probability([0, 0]) - 1 / (1 + exp(-0.5))) < 0.04)
    }

    /// Wrong answers that differ from right ones only in wording (features alike): the features alone rank held-out
    /// answers at chance, the judge's text part separates them, and P(wrong) and the expected gain both read it.
    @Test(.exclusive) func theTextPartLearnsWhatTheWordingSaysWhereTheFeaturesCannot() throws {
        var random = SeededGenerator(seed: 8)
        let fillers = ["first", "then", "so", "next", "total", "each", "now", "we", "add", "take"]
        func example(_ index: Int) -> (EscalationJudge.Example, Bool) {
            let wrong = Bool.random(using: &random)
            let words = (0..<12).map { _ in fillers[Int.random(in: 0..<fillers.count, using: &random)] }
            let tell = wrong ? "i guess roughly" : "which checks out"
            let response = (words.prefix(6) + [tell] + words.dropFirst(6)).joined(separator: " ")
            let features = (0..<3).map { _ in Double.random(in: -1...1, using: &random) }
            let strongRight = index % 5 != 0
            return (EscalationJudge.Example(model: "cheap", features: features, wrong: wrong, taskID: "t\(index)", response: response), strongRight)
        }
        let train = (0..<400).map(example)
        let test = (400..<600).map(example).map(\.0)
        let strong = Dictionary(uniqueKeysWithValues: train.enumerated().map { ($0.offset, $0.element.1) })
        let judge = EscalationJudge.fit(train.map(\.0), strongCorrect: strong)
        let fit = try #require(judge.fits["cheap"])
        #expect(fit.text != nil && fit.text?.helps != nil)
        let featuresOnly = test.map { fit.logistic.probability($0.features) }
        let withText = test.map { fit.probabilityWrong($0.features, response: $0.response) }
        let gains = test.map { fit.expectedGain($0.features, response: $0.response) ?? 0 }
        #expect(areaUnderROC(scores: featuresOnly, positives: test.map(\.wrong)) < 0.65)
        #expect(areaUnderROC(scores: withText, positives: test.map(\.wrong)) > 0.95)
        #expect(areaUnderROC(scores: gains, positives: test.map(\.wrong)) > 0.9)
    }

    @Test func theAreaUnderTheROCCurveCountsPairsAndHalvesTies() {
        #expect(areaUnderROC(scores: [0.9, 0.8, 0.3, 0.1], positives: [true, true, false, false]) == 1)
        #expect(areaUnderROC(scores: [0.1, 0.2, 0.8, 0.9], positives: [true, true, false, false]) == 0)
        // Positives 0.8 and 0.4 against negatives 0.6 and 0.4: pairs won 1 + 0 + 0.5 (tie) + 1 of 4.
        #expect(areaUnderROC(scores: [0.8, 0.4, 0.6, 0.4], positives: [true, true, false, false]) == 0.625)
    }

    /// A fixture whose wrong answers carry a known signal (and noise features that carry none): a judge fitted
    /// on part of it separates the rest almost perfectly, and its threshold for a share is the quantile.
    @Test func aJudgeFittedOnAKnownSignalSeparatesHeldOutAnswers() {
        var random = SeededGenerator(seed: 5)
        func example() -> EscalationJudge.Example {
            let wrong = Bool.random(using: &random)
            let signal = (wrong ? 1.5 : -1.5) + Double.random(in: -1...1, using: &random)
            let noise = (0..<4).map { _ in Double.random(in: -1...1, using: &random) }
            return EscalationJudge.Example(model: "cheap", features: [signal] + noise, wrong: wrong)
        }
        let train = (0..<600).map { _ in example() }
        let test = (0..<400).map { _ in example() }
        let judge = EscalationJudge.fit(train, penalty: 1)
        let fit = try! #require(judge.fits["cheap"])
        let scores = test.map { fit.logistic.probability($0.features) }
        #expect(areaUnderROC(scores: scores, positives: test.map(\.wrong)) > 0.95)
        let threshold = try! #require(judge.threshold(forShare: 0.25, model: "cheap"))
        let above = fit.sortedProbabilities.filter { $0 >= threshold }.count
        #expect(abs(Double(above) / Double(train.count) - 0.25) < 0.01)
        #expect(judge.threshold(forShare: 0.25, model: "other") == nil)
    }

    @Test func escalationPaysOnlyWhenTheExpectedGainBeatsLambdaTimesTheCost() {
        let examples = (0..<10).map { EscalationJudge.Example(model: "cheap", features: [Double($0)], wrong: $0 >= 5) }
        // The strong model is right on 4 of the 5 questions the cheap one got wrong, and on all it got right.
        let strong = Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, $0 != 9) })
        let judge = EscalationJudge.fit(examples, strongCorrect: strong)
        #expect(judge.fits["cheap"]?.strongRightWhenWrong == 0.8 && judge.fits["cheap"]?.strongRightWhenRight == 1)
        // Expected gain at p = 0.5 is 0.4: worth a cost of 0.3 at λ = 1, not of 0.5.
        #expect(judge.escalates(probabilityWrong: 0.5, model: "cheap", lambda: 1, extraCost: 0.3))
        #expect(!judge.escalates(probabilityWrong: 0.5, model: "cheap", lambda: 1, extraCost: 0.5))
    }

}

/// Where the judge's examples come from, and the judge in the controller file.
@Suite(.timeLimit(.minutes(5))) struct EscalationJudgeTrainingTests {
    @Test func storedTurnsOfScoredRunsAreLabelledByTheirOwnAnswers() async throws {
        let catalog = try TestSupport.catalog()
        let store = try TraceStore.inMemory()
        let orchestrator = try await TestSupport.orchestrator(catalog: catalog, store: store)
        let tasks = [("a", "What is 6 times 7?", "42"), ("b", "What is 100 minus 58?", "42")].map { id, query, answer in
            OrchestrationTask(
                id: id,
                query: query,
                domain: .math,
                expected: ExpectedAnswer(value: answer, kind: .number),
                constraints: Constraints(topology: "debate", agentCount: 3)
            )
        }
        var turns: [MessageRecord] = []
        for task in tasks {
            let result = try await orchestrator.run(task, seed: 2)
            turns += try await store.messages(runID: result.runID).filter { $0.purpose == "turn" && $0.response != nil && $0.error == nil }
        }
        // An unscored run (no expected answer) gives no example.
        _ = try await orchestrator.run(OrchestrationTask(id: "c", query: "Say hello."), seed: 2)
        let examples = try await store.judgeExamples()
        #expect(examples.count == turns.count && !turns.isEmpty)
        #expect(examples.map(\.wrong) == turns.map { AnswerExtractor.parseNumber($0.answer ?? "") != 42 })
        #expect(examples.map(\.model) == turns.map(\.model))
        #expect(Set(examples.compactMap(\.taskID)) == ["a", "b"])
    }

}
