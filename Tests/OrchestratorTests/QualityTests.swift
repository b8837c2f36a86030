import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Quality from data, not price: declared in the fleet or measured from stored runs; without either the prior is
/// neutral about quality and prefers the cheaper model.
@Suite(.timeLimit(.minutes(5))) struct QualityTests {
    /// Two simulated models whose cheaper one is the better, with no quality table.
    static func cheaperIsBetter() throws -> Catalog {
        try TestSupport.catalog(models: [
            TestSupport.simulatedModel("sim-cheap", latency: 0, accuracy: 0.9, price: 0.1),
            TestSupport.simulatedModel("sim-dear", latency: 0, accuracy: 0.5, price: 5),
        ])
    }

    /// Word problems of growing size, so that difficulty varies.
    static let tasks: [OrchestrationTask] = (1...150).map { index in
        let boxes = index % 9 + 3
        let perBox = index % 13 + 4
        let extra = index % 7
        var query = "A shop packs \(boxes) boxes of \(perBox) pens and adds \(extra) more."
        if index % 3 == 0 { query += " Then it sells a third of them, rounding down, and buys 12 more at 3 dollars each after a 15% discount." }
        query += " How many pens are there?"
        return OrchestrationTask(
            id: "pens-\(index)",
            query: query,
            domain: .math,
            expected: ExpectedAnswer(value: String(boxes * perBox + extra), kind: .number),
            constraints: Constraints(topology: "single")
        )
    }

    @Test func aFleetFilesQualityIsReadAndCheckedPerDomain() throws {
        let directory = try TestSupport.temporaryDirectory()
        let path = directory.appendingPathComponent("fleet.json").path
        func fleet(_ quality: String) -> String {
            #"{"name": "q", "description": "d", "models": [{"name": "m", "provider": "recorded", "description": "x", "quality": \#(quality)}]}"#
        }
        try fleet(#"{"math": 0.8, "general": 0.6}"#).write(toFile: path, atomically: true, encoding: .utf8)
        let model = try #require(try CatalogLoader(workflowsDirectory: TestSupport.workflows).load(fleetPath: path).fleet.models.first)
        #expect(model.quality(in: .math) == 0.8 && model.quality(in: .code) == 0.6)
        for (bad, field) in [(#"{"math": 1.5}"#, "quality.math"), (#"{"poetry": 0.5}"#, "quality.poetry")] {
            try fleet(bad).write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try CatalogLoader(workflowsDirectory: TestSupport.workflows).load(fleetPath: path)
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.file.hasSuffix("fleet.json") && (error.field ?? "").hasSuffix(field), "\(error)")
            }
        }
    }

    @Test func withoutQualityThePriorExploresInsteadOfPreferringTheCheaperModelAndSaysSo() async throws {
        let orchestrator = try await TestSupport.orchestrator(catalog: try Self.cheaperIsBetter())
        func cheapShare(_ evidence: [String: ModelEvidence.Tally]) async throws -> Double {
            var cheap = 0
            for (index, task) in Self.tasks.enumerated() {
                let plan = try await orchestrator.controller.plan(for: task, seed: UInt64(index), evidence: evidence)
                #expect(plan.qualityKnown == false && plan.exploring == evidence.values.reduce(0) { $0 + $1.answered })
                if plan.agents.first?.model == "sim-cheap" { cheap += 1 }
            }
            return Double(cheap) / Double(Self.tasks.count)
        }
        // Nothing seen: both models are tried, even greedily.
        let unseen = try await cheapShare([:])
        #expect(unseen > 0.2 && unseen < 0.8, "the cheaper model drawn for \(unseen) of the tasks")
        // Once the runs show one model right far more often at a small cost, the draws follow it.
        var cheapRecord = ModelEvidence.Tally()
        cheapRecord.right = 2
        cheapRecord.answered = 20
        var dearRecord = ModelEvidence.Tally()
        dearRecord.right = 18
        dearRecord.answered = 20
        dearRecord.costUSD = 0.002
        dearRecord.calls = 20
        let seen = try await cheapShare(["sim-cheap": cheapRecord, "sim-dear": dearRecord])
        #expect(seen < 0.1, "the cheaper model still drawn for \(seen) of the tasks")
    }

    @Test func aQualityTableMakesThePriorPayForTheBetterModelOnHardTasks() async throws {
        var catalog = try Self.cheaperIsBetter()
        catalog.fleet.models[0].quality = [.math: 0.3]
        catalog.fleet.models[1].quality = [.math: 0.95]
        let controller = try await CascadedController(catalog: catalog)
        let hard = try await controller.plan(for: Self.tasks[2], seed: 0)
        let easy = try await controller.plan(for: OrchestrationTask(id: "easy", query: "What is 4 + 5?", domain: .math), seed: 0)
        #expect(hard.qualityKnown == true && hard.difficulty > easy.difficulty)
        func dearProbability(_ plan: Plan) -> Double {
            plan.decisions.first { $0.stage == .model }?.candidates.first { $0.name == "sim-dear" }?.probability ?? -1
        }
        #expect(dearProbability(hard) > 0.5, "\(dearProbability(hard))")
        #expect(dearProbability(hard) > dearProbability(easy) + 0.2)
    }

    @Test func calibrationMeasuresEachModelPerDomainFromStoredRunsAndThePriorReadsIt() async throws {
        let store = try TraceStore.inMemory()
        let orchestrator = try await TestSupport.orchestrator(catalog: try Self.cheaperIsBetter(), store: store, selection: .sample)
        var right: [String: (Int, Int)] = [:]
        for (index, var task) in Self.tasks.prefix(40).enumerated() {
            task.constraints = Constraints(topology: "single", models: [index % 2 == 0 ? "sim-cheap" : "sim-dear"])
            let result = try await orchestrator.run(task, seed: UInt64(index))
            let model = try #require(result.plan?.agents.first?.model)
            var count = right[model] ?? (0, 0)
            count.1 += 1
            if result.score == 1 { count.0 += 1 }
            right[model] = count
        }
        _ = try await orchestrator.run(OrchestrationTask(id: "unscored", query: "Say hello."), seed: 1)
        let calibration = try await store.qualityCalibration(source: "test")
        #expect(Set(calibration.models.keys) == ["sim-cheap", "sim-dear"])
        for (model, (correct, all)) in right {
            let measure = try #require(calibration.models[model]?["math"])
            #expect(measure.answers == all && abs(measure.accuracy - Double(correct) / Double(all)) < 1e-12)
        }
        let cheapMath = try #require(calibration.models["sim-cheap"]?["math"])
        let dearMath = try #require(calibration.models["sim-dear"]?["math"])
        #expect(cheapMath.accuracy > dearMath.accuracy, "the simulation's accuracies are 0.9 and 0.5")

        let path = try TestSupport.temporaryDirectory().appendingPathComponent("quality.json").path
        try calibration.json().write(to: URL(fileURLWithPath: path))
        let loaded = try QualityCalibration.load(path: path)
        let calibrated = try Self.cheaperIsBetter().fleet.calibrated(by: loaded)
        #expect(calibrated.model(named: "sim-cheap")?.quality(in: .math) == cheapMath.accuracy)
        #expect(calibrated.model(named: "sim-cheap")?.quality(in: .code) == cheapMath.accuracy, "general from all domains measured")
        let unconvincing = try Self.cheaperIsBetter().fleet.calibrated(by: loaded, minimumAnswers: 21)
        #expect(unconvincing.models.allSatisfy { $0.quality.isEmpty }, "20 answers each are not enough for a minimum of 21")
    }

    /// Started from a prior told by a quality table that the dearer model is the better one, on-policy training finds
    /// out otherwise within 8 epochs: on held-out tasks of each of three splits it matches the better model alone.
    @Test(.exclusive) func trainingFromAMisinformedPriorReachesTheBetterModel() async throws {
        var catalog = try Self.cheaperIsBetter()
        catalog.fleet.models[0].quality = [.general: 0.3]
        catalog.fleet.models[1].quality = [.general: 0.95]
        for seed in UInt64(0)..<3 {
            let (train, test) = TaskSplit.split(Self.tasks, testFraction: 0.3, seed: seed)
            let orchestrator = try await Orchestrator(catalog: catalog, store: try TraceStore.inMemory(), logger: TestSupport.logger)
            let options = PolicyTrainer.Options(epochs: 8, batchSize: 8, learningRate: 0.1, costWeight: 20, seed: seed)
            let parameters = try await PolicyTrainer(orchestrator: orchestrator, options: options).trainOnPolicy(train)
            let report = try await ControllerEvaluation(orchestrator: orchestrator, costWeight: 20, seed: seed).evaluate(
                test,
                parameters: parameters
            )
            let byName = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.name, $0) })
            let trained = try #require(byName["controller \(parameters.version)"])
            let prior = try #require(byName["prior"])
            let better = try #require(byName["only sim-cheap"]?.accuracy)
            #expect((prior.accuracy ?? 1) < better - 0.05, "seed \(seed): the prior believes the table and loses accuracy")
            // The simulation draws each answer per role too, so equal choices can differ by a few tasks of 45.
            #expect((trained.accuracy ?? 0) >= better - 0.1, "seed \(seed): trained \(trained.accuracy ?? 0), better model \(better)")
            #expect((trained.choiceShares["model"]?["sim-cheap"] ?? 0) >= 0.95, "seed \(seed): \(trained.choiceShares)")
            #expect(trained.utility > prior.utility + 0.05, "seed \(seed)")
        }
    }
}
