import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The supervised outcome model: who will be right, read from the query; judged out-of-fold, and weighed by the
/// controller's model stage.
@Suite(.timeLimit(.minutes(5))) struct OutcomeModelTests {
    /// Questions about zebras the dear model gets right and the cheap one wrong; the rest both get right or both wrong.
    /// Their lengths and numbers are alike, so the prior's difficulty score cannot tell them apart.
    static let questions: [PreRoutingStudy.Question] = (0..<200).map { index in
        let animal = index % 4 == 0 ? "zebras" : ["horses", "goats", "sheep"][index % 3]
        let query = "A farm keeps \(index % 17 + 3) \(animal) in each of \(index % 5 + 2) fields. How many \(animal) are there?"
        let zebra = animal == "zebras"
        return PreRoutingStudy.Question(id: "q\(index)", query: query, cheapCorrect: !zebra && index % 3 != 0, dearCorrect: zebra || index % 3 != 0)
    }

    @Test(.exclusive) func outOfFoldTheModelFindsTheSignalTheDifficultyScoreCannot() async throws {
        // Seconds of fitting: on a thread of its own, so it never holds the shared pool that servers of other tests need.
        let report = try await TestSupport.onOwnThread {
            PreRoutingStudy(questions: Self.questions).evaluate(folds: 5, seeds: [0, 1], bootstrapSamples: 200)
        }
        #expect(report.questions == 200 && report.modelAPGRBySeed.count == 2)
        // The best order (every zebra question first, a quarter of them) recovers the whole gap at a share of 0.25:
        // APGR 0.25 / 2 + 0.75 = 0.875.
        #expect(report.modelAPGR > 0.86, "APGR \(report.modelAPGR)")
        #expect(report.priorAPGR < 0.7, "the prior's \(report.priorAPGR)")
        #expect(report.differenceInterval[0] > 0.1 && report.differenceInterval[0] <= report.differenceInterval[1])
    }

    @Test func theModelStageWeighsWhoWillBeRight() async throws {
        let catalog = try TestSupport.catalog(models: [
            TestSupport.simulatedModel("sim-cheap", latency: 0, price: 0.1),
            TestSupport.simulatedModel("sim-dear", latency: 0, price: 5),
        ])
        let examples = Self.questions.flatMap { question in
            [
                OutcomeModel.Example(model: "sim-cheap", query: question.query, correct: question.cheapCorrect),
                OutcomeModel.Example(model: "sim-dear", query: question.query, correct: question.dearCorrect),
            ]
        }
        let prior = try await CascadedController(catalog: catalog)
        let informed = prior.with(parameters: prior.zeroParameters.with(outcomeModel: OutcomeModel.fit(examples)))
        func dearProbability(_ controller: CascadedController, _ query: String) async throws -> Double {
            let plan = try await controller.plan(for: OrchestrationTask(id: "t", query: query, constraints: Constraints(topology: "single")), seed: 0)
            return plan.decisions.first { $0.stage == .model }?.candidates.first { $0.name == "sim-dear" }?.probability ?? -1
        }
        let zebras = "A farm keeps 9 zebras in each of 4 fields. How many zebras are there?"
        let goats = "A farm keeps 9 goats in each of 4 fields. How many goats are there?"
        let informedZebras = try await dearProbability(informed, zebras)
        let informedGoats = try await dearProbability(informed, goats)
        let priorZebras = try await dearProbability(prior, zebras)
        let priorGoats = try await dearProbability(prior, goats)
        #expect(informedZebras > 0.5 && informedZebras > informedGoats + 0.3, "\(informedZebras) against \(informedGoats)")
        #expect(abs(priorZebras - priorGoats) < 0.1, "the prior cannot tell them apart")
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("controller.json").path
        try informed.parameters?.save(path: file)
        let loaded = try ControllerParameters.load(path: file, catalog: catalog, embedder: HashingEmbedder())
        #expect(loaded.outcomeModel == informed.parameters?.outcomeModel && loaded.version == informed.parameters?.version)
    }
}
