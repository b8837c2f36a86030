import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// RouterBench's eleven real models on ARC-Challenge, MBPP and Winogrande (`../shared/data/routerbench`, training
/// splits only): the import, runs on the recorded fleet, plans learned with full information and judged on tasks they
/// never saw, the untrained controller on a fleet it knows nothing of, and the same learning on shuffled labels.
@Suite(.timeLimit(.minutes(5)), .enabled(if: SharedData.routerBenchRuns, SharedData.routerBenchReason)) struct RouterBenchTests {
    static let lambda = 20.0

    /// The data, read once per test process on a thread of its own.
    static func outcomes() async throws -> RecordedOutcomes {
        try await RouterBenchCache.shared.outcomes()
    }

    static func orchestrator(_ outcomes: RecordedOutcomes) async throws -> Orchestrator {
        let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows)
            .load(fleetPath: TestSupport.workflows + "/fleets/recorded-routerbench.json")
        return try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            providers: ProviderRegistry(recordings: outcomes),
            logger: TestSupport.logger
        )
    }

    @Test func theImportReadsEveryRowWithTheFiguresTheDataReadmeGives() async throws {
        let outcomes = try await Self.outcomes()
        #expect(outcomes.models.count == 11 && outcomes.models.contains("yi-34b-chat") && outcomes.models.contains("wizardlm-13b-v1.2"))
        #expect(outcomes.items.count + outcomes.duplicates.values.reduce(0, +) == 1039 + 299 + 887)
        // The shared README's table is over the rows every model answered.
        let complete = outcomes.items.filter { $0.outcomes.count == 11 }
        #expect(complete.count == 2205)
        func accuracy(_ model: String) -> Double {
            Double(complete.filter { $0.outcomes[model]?.correct == true }.count) / Double(complete.count)
        }
        #expect(abs(accuracy("gpt-4-1106-preview") - 0.879) < 0.0005)
        #expect(abs(accuracy("mistral-7b-chat") - 0.581) < 0.0005)
        let arc = outcomes.items.filter { $0.dataset == "arc-challenge" }
        #expect(arc.allSatisfy { $0.domain == .knowledge && $0.kind == .choice })
        #expect(arc.filter { $0.expected == nil }.count == 15, "ARC questions no model answered right")
        #expect(outcomes.items.filter { $0.dataset == "mbpp" }.allSatisfy { $0.expected == nil && $0.kind == .code })
        // The letters read from the responses agree with the recorded scores.
        let regrading = outcomes.regraded().regrading
        let all = outcomes.items.reduce(0) { $0 + $1.outcomes.count }
        #expect(Double(regrading.changed) < 0.001 * Double(all), "\(regrading.changed) of \(all) outcomes read otherwise than recorded")
    }

    @Test func anImportedTaskRunsOnTheRecordedFleetAtTheRecordedCost() async throws {
        let outcomes = try await Self.outcomes()
        let orchestrator = try await Self.orchestrator(outcomes)
        let item = try #require(outcomes.items.first { $0.dataset == "winogrande" && $0.outcomes["yi-34b-chat"]?.correct == false })
        var task = try #require(outcomes.tasks.first { $0.id == item.id })
        task.constraints = Constraints(topology: "single", agentCount: 1, models: ["yi-34b-chat"])
        let result = try await orchestrator.run(task, seed: 1)
        #expect(result.status == .completed && result.score == 0 && result.answer != nil)
        #expect(abs(result.costUSD - (item.outcomes["yi-34b-chat"]?.costUSD ?? -1)) < 1e-12)
        task.constraints = Constraints(topology: "debate", agentCount: 3)
        let refused = try await orchestrator.run(task, seed: 1)
        #expect(refused.status == .failed && refused.error?.contains("cannot react to a message") == true)
    }

    /// The issue's commands as a user types them, on a slice of the imported file: import, train on a recorded fleet
    /// with full information, evaluate against every model alone and the controller held to one agent.
    @Test(.exclusive) func importTrainAndEvalRunFromTheCommandLine() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let imported = directory.appendingPathComponent("routerbench.jsonl").path
        let run = try await TestSupport.runExecutable(["import", "routerbench"] + SharedData.routerBenchFiles + ["--outcomes", imported])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("11 models") && run.output.contains("winogrande: 887 tasks"), "\(run.output)")
        // Every eighth prompt of each benchmark, so that training and evaluation take seconds in a debug build.
        let lines = try String(contentsOfFile: imported, encoding: .utf8).split(separator: "\n")
        let slice = directory.appendingPathComponent("slice.jsonl").path
        try (lines.enumerated().filter { $0.offset % 8 == 0 }.map(\.element).joined(separator: "\n") + "\n")
            .write(toFile: slice, atomically: true, encoding: .utf8)
        let fleet = "Workflows/fleets/recorded-routerbench.json"
        let controller = directory.appendingPathComponent("controller.json").path
        let database = directory.appendingPathComponent("traces.sqlite").path
        let trained = try await TestSupport.runExecutable(
            ["train", slice, "--fleet", fleet, "--recordings", slice, "--lambda", "20", "--output", controller, "--db", database]
        )
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("training with full information") && trained.output.contains("roles at the prior"), "\(trained.output)")
        let judged = try await TestSupport.runExecutable(
            ["eval", slice, "--fleet", fleet, "--recordings", slice, "--controller", controller, "--lambda", "20", "--db", database]
        )
        #expect(judged.status == 0, "\(judged.error)")
        for row in ["controller trained-", ", single agent only", "only gpt-4-1106-preview", "only mistral-7b-chat", "oracle", "prior"] {
            #expect(judged.output.contains(row), "no row \(row) in \(judged.output)")
        }
        #expect(judged.output.contains("knowledge model:"))
    }

    /// Held-out values of the controller's plans, every single model's, and the per-domain rule's (the model best on
    /// the training tasks of each domain).
    struct HeldOut {
        var controller: Double
        var rule: Double
        var singles: [String: Double]
        var multiAgentTasks: Int
    }

    static func heldOut(_ outcomes: RecordedOutcomes, seed: UInt64, maximumAgents: Int = 5) async throws -> HeldOut {
        let orchestrator = try await orchestrator(outcomes)
        let (train, test) = TaskSplit.split(outcomes.tasks, testFraction: 1.0 / 3, seed: seed)
        let valuation = PlanValuation(catalog: orchestrator.catalog, outcomes: outcomes, tasks: train)
        let table = await PlanTable.fit(
            valuation,
            costWeight: lambda,
            candidates: PlanTable.candidates(catalog: orchestrator.catalog, maximumAgents: maximumAgents)
        )
        var parameters = orchestrator.controller.zeroParameters
        parameters.plans = table
        let controller = orchestrator.controller.with(parameters: parameters)
        let judged = PlanValuation(catalog: orchestrator.catalog, outcomes: outcomes, tasks: test)
        var cache: [PlanValuation.Candidate: [(score: Double, costUSD: Double)?]] = [:]
        func value(_ candidate: PlanValuation.Candidate, _ index: Int, reliability: [String: Double] = [:]) -> Double {
            if cache[candidate] == nil { cache[candidate] = judged.outcomes(of: candidate, reliability: reliability) }
            guard let outcome = cache[candidate]?[index] ?? nil else { return 0 }
            return outcome.score - lambda * outcome.costUSD
        }
        var controllerTotal = 0.0
        var ruleTotal = 0.0
        var multiAgent = 0
        for (index, task) in test.enumerated() {
            let plan = try await controller.plan(for: task, seed: 0)
            let candidate = PlanValuation.Candidate(topology: plan.topology, models: plan.agents.map(\.model))
            let reliability = Dictionary(uniqueKeysWithValues: plan.agents.compactMap { agent in agent.reliability.map { (agent.model, $0) } })
            controllerTotal += value(candidate, index, reliability: reliability)
            if plan.agents.count > 1 { multiAgent += 1 }
            let rule = try #require(table.bestSingleAgent(for: task.domain ?? .general))
            ruleTotal += value(PlanValuation.Candidate(topology: "single", models: rule.models), index)
        }
        var singles: [String: Double] = [:]
        for model in orchestrator.catalog.fleet.models.map(\.name) {
            singles[model] =
                test.indices.reduce(0) { $0 + value(PlanValuation.Candidate(topology: "single", models: [model]), $1) } / Double(test.count)
        }
        return HeldOut(
            controller: controllerTotal / Double(test.count),
            rule: ruleTotal / Double(test.count),
            singles: singles,
            multiAgentTasks: multiAgent
        )
    }

    @Test(.exclusive) func plansLearnedWithFullInformationBeatEverySingleModelAndThePerDomainRuleOnTasksTheyNeverSaw() async throws {
        let outcomes = try await Self.outcomes()
        let result = try await Self.heldOut(outcomes, seed: 0)
        let best = try #require(result.singles.values.max())
        #expect(result.controller > best + 0.01, "controller \(result.controller), best single model \(best)")
        #expect(result.controller > result.rule, "controller \(result.controller), per-domain rule \(result.rule)")
        #expect(result.multiAgentTasks > 0)
    }

    @Test(.exclusive) func withShuffledAnswerKeysThePlansGainNothingOverThePerDomainRule() async throws {
        let shuffled = try await Self.outcomes().withShuffledAnswerKeys(seed: 7)
        let result = try await Self.heldOut(shuffled, seed: 0, maximumAgents: 3)
        // Each domain keeps its costs and MBPP each model's share of right answers, so the best single model per domain
        // (the rule) is still worth knowing; anything beyond it would have to come from labels the plans must not see.
        #expect(result.controller < result.rule + 0.005, "controller \(result.controller), per-domain rule \(result.rule)")
        #expect(result.controller > result.rule - 0.02, "a controller that learned nothing would fall below the rule")
    }

    @Test(.exclusive) func untrainedOnAFleetItKnowsNothingOfNoModelBelowTheMedianTakesHalfADomain() async throws {
        let outcomes = try await Self.outcomes()
        let orchestrator = try await Self.orchestrator(outcomes).withFreshEvidence()
        let (_, test) = TaskSplit.split(outcomes.tasks, testFraction: 1.0 / 3, seed: 0)
        let results = try await orchestrator.runBatch(test, seed: 0, parallel: 4)
        let accuracies = orchestrator.catalog.fleet.models.map(\.name).map { model in
            Double(outcomes.items.filter { $0.outcomes[model]?.correct == true }.count) / Double(outcomes.items.count)
        }
        let median = accuracies.sorted()[accuracies.count / 2]
        let belowMedian = Set(zip(orchestrator.catalog.fleet.models.map(\.name), accuracies).filter { $0.1 < median }.map(\.0))
        for (domain, runs) in Dictionary(grouping: results, by: { $0.plan?.domain }) {
            let models = runs.flatMap { $0.plan?.agents.map(\.model) ?? [] }
            #expect(runs.allSatisfy { $0.plan?.exploring != nil })
            for model in belowMedian {
                let share = Double(models.filter { $0 == model }.count) / Double(max(1, models.count))
                #expect(share <= 0.5, "\(model) took \(share) of \(domain?.rawValue ?? "-")")
            }
        }
    }
}

/// Reads RouterBench's files once per test process, on a thread of its own.
actor RouterBenchCache {
    static let shared = RouterBenchCache()
    private var load: Task<RecordedOutcomes, any Error>?

    func outcomes() async throws -> RecordedOutcomes {
        if let load { return try await load.value }
        let started = Task { try await TestSupport.onOwnThread { try RouterBenchDataset.load(files: SharedData.routerBenchFiles).outcomes } }
        load = started
        return try await started.value
    }
}
