import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The entropy bonus that keeps on-policy training exploring: its exact gradient, and its effect.
@Suite(.timeLimit(.minutes(5))) struct ExplorationTests {
    /// The summed entropy of a plan's decisions under `parameters`, choices held fixed by the seed.
    static func entropy(_ controller: CascadedController, _ parameters: ControllerParameters, task: OrchestrationTask) async throws -> (Double, Plan)
    {
        let plan = try await controller.with(parameters: parameters).plan(for: task, seed: 11)
        return (plan.decisions.reduce(0.0) { $0 + entropy(of: $1) }, plan)
    }

    /// The entropy of one decision's distribution, in nats, computed here independently of the code under test.
    static func entropy(of decision: Decision) -> Double {
        -decision.candidates.reduce(0.0) { $0 + ($1.probability > 0 ? $1.probability * log($1.probability) : 0) }
    }

    @Test func theEntropyGradientMatchesFiniteDifferences() async throws {
        let controller = try await CascadedController(
            catalog: TrainingTests.catalog(),
            settings: ControllerSettings(selection: .sample, temperature: 0.7)
        )
        let task = TrainingTests.tasks[3]
        var parameters = controller.zeroParameters
        parameters.weights["topology"] = ["debate": (0..<parameters.featureCount).map { Double($0 % 7) * 0.01 }]
        parameters.weights["model"] = ["sim-cheap": (0..<parameters.featureCount).map { Double($0 % 5) * 0.02 }]
        let (base, plan) = try await Self.entropy(controller, parameters, task: task)
        let gradient = PolicyGradient.entropyGradient(
            of: plan.decisions,
            features: try await controller.features(for: task),
            priceLevels: controller.priceLevelsByModel,
            temperature: 0.7
        )
        let probes: [(String, String, Int)] = [
            ("topology", plan.topology, 0), ("topology", "debate", 1), ("model", "sim-cheap", 0), ("model", "sim-dear", 2),
        ]
        try await TrainingTests.expectMatchesFiniteDifferences(gradient, at: parameters, value: base, plan: plan, probes: probes) {
            try await Self.entropy(controller, $0, task: task)
        }
        #expect(gradient.weights["model"]?["sim-cheap"]?.contains { $0 != 0 } == true)
    }

    /// Trained with the same seed, the bonus leaves the model stage less certain than training without it.
    @Test func theBonusKeepsTheModelStageExploring() async throws {
        func train(entropyBonus: Double) async throws -> ControllerParameters {
            let orchestrator = try await Orchestrator(catalog: TrainingTests.catalog(), store: try TraceStore.inMemory(), logger: TestSupport.logger)
            let options = PolicyTrainer.Options(
                epochs: 3,
                batchSize: 4,
                learningRate: 0.1,
                costWeight: 20,
                seed: 5,
                parallel: 4,
                entropyBonus: entropyBonus
            )
            return try await PolicyTrainer(orchestrator: orchestrator, options: options).trainOnPolicy(TrainingTests.tasks)
        }
        func modelEntropy(_ parameters: ControllerParameters) async throws -> Double {
            let controller = try await CascadedController(catalog: TrainingTests.catalog()).with(parameters: parameters)
            var total = 0.0
            for task in TrainingTests.tasks {
                let plan = try await controller.plan(for: task, seed: 1)
                for decision in plan.decisions where decision.stage == .model {
                    total += Self.entropy(of: decision)
                }
            }
            return total / Double(TrainingTests.tasks.count)
        }
        let plain = try await train(entropyBonus: 0)
        let exploring = try await train(entropyBonus: 2)
        #expect(plain.training?.entropyBonus == nil && exploring.training?.entropyBonus == 2)
        let plainEntropy = try await modelEntropy(plain)
        let exploringEntropy = try await modelEntropy(exploring)
        #expect(exploringEntropy > plainEntropy + 0.05, "with the bonus \(exploringEntropy), without \(plainEntropy)")
    }
}
