import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `serve --learn`'s learner on RouterBench's recorded outcomes: the prior explores, the learner values plans on what
/// the runs' agents answered and the guard promotes a better controller; a worse candidate is judged worse and kept
/// out, and candidates trained on shuffled labels are never promoted over the learned controller.
@Suite(.timeLimit(.minutes(8)), .enabled(if: SharedData.routerBenchRuns, SharedData.routerBenchReason)) struct LearningLoopTests {
    /// RouterBench's prompts every model answered, in a seeded order, asked as `serve` asks them: no expected answer
    /// (each run is scored by the recorded outcome of the answer it gives).
    static func prompts(_ outcomes: RecordedOutcomes, count: Int) -> [OrchestrationTask] {
        var random = SeededGenerator(seed: 3, labels: ["learning-loop"])
        let complete = outcomes.items.filter { $0.outcomes.count == outcomes.models.count }.shuffled(using: &random)
        return complete.prefix(count).map { item in
            OrchestrationTask(id: item.id, query: item.query, domain: item.domain, expected: nil, declaredAnswerKind: item.kind)
        }
    }

    /// Runs the prompts one at a time (the prior's exploration draws on what the runs before scored, so the order is
    /// the seed's), each planned as `serve` plans it: by the live controller, or by a candidate on trial for its share
    /// of seeds.
    static func serve(_ prompts: ArraySlice<OrchestrationTask>, live: LiveController, orchestrator: Orchestrator) async throws -> [RunResult] {
        var results: [RunResult] = []
        for (index, task) in zip(prompts.indices, prompts) {
            let seed = UInt64(index)
            results.append(try await orchestrator.with(controller: live.controller(forSeed: seed)).run(task, seed: seed))
        }
        return results
    }

    @Test func theGuardPromotesWhatWasLearnedAndNeverACandidateTrainedOnShuffledLabels() async throws {
        let outcomes = try await RouterBenchCache.shared.outcomes()
        let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows)
            .load(fleetPath: TestSupport.workflows + "/fleets/recorded-routerbench.json")
        let store = try TraceStore.inMemory()
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: store,
            configuration: OrchestratorConfiguration(
                controller: ControllerSettings(selection: .sample, costWeight: 20, explorationFloor: 0.05),
                verification: .check
            ),
            providers: ProviderRegistry(recordings: outcomes),
            logger: TestSupport.logger
        )
        let live = LiveController(controller: orchestrator.controller, store: store, embedder: HashingEmbedder(), logger: TestSupport.logger)
        let options = ControllerLearner.Options(minimumRuns: 1, training: PolicyTrainer.Options(costWeight: 20))
        let learner = ControllerLearner(orchestrator: orchestrator, live: live, options: options, logger: TestSupport.logger)
        let prompts = Self.prompts(outcomes, count: 1500)

        // The prior explores the unknown fleet, the learner trying a candidate after every 100 runs (as serve --learn
        // does after --learn-every scored runs) until one beats the prior on runs it was not trained on.
        var explored: [RunResult] = []
        var promoted: ControllerLearner.Round?
        while promoted == nil, explored.count < 1200 {
            explored += try await Self.serve(prompts[explored.count..<(explored.count + 100)], live: live, orchestrator: orchestrator)
            if let round = try await learner.round(), round.evidence.promote { promoted = round }
        }
        #expect(explored.allSatisfy { $0.status == .completed && $0.score != nil })
        let first = try #require(promoted, "no candidate beat the prior within \(explored.count) runs")
        #expect(first.evidence.gainLow > 0 && first.evidence.candidate.effectiveRuns >= 30)
        #expect(live.controller.version == first.candidate)
        #expect(try await store.liveController(catalogHash: catalog.hash)?.version == first.candidate)
        #expect(try await store.controllerVersion(first.candidate)?.evidence() == first.evidence)
        #expect(live.snapshot.canary == nil)
        #expect(!(try await store.controllerVersions(catalogHash: catalog.hash)).contains { $0.verdict == "canary" }, "no trial outlives a promotion")

        // A candidate that is worse than the prior — Claude 2 alone for every task, the dear model that is right least
        // often (54% at three quarters of GPT-4's cost, the shared data's README) — is judged so and kept out.
        var worse = orchestrator.controller.zeroParameters
        let entry = PlanTable.Entry(topology: "single", models: ["claude-v2"], accuracy: 0.5, meanCostUSD: 0, utility: 0.5)
        worse.plans = PlanTable(costWeight: 20, tasks: [PlanTable.anyDomain: 1], domains: [PlanTable.anyDomain: [entry]], reliability: [:])
        worse.version = "worse"
        let exploredPlans = try await store.storedPlans().filter { $0.run.controllerVersion == CascadedController.priorVersion }
        #expect(exploredPlans.count * 10 >= explored.count * 7, "most exploring runs are the prior's (the rest a candidate's on trial)")
        // The prior soon stops asking Claude 2, so fewer runs than the serving guard's 30 can be valued for it.
        let judged = PromotionGuard(costWeight: 20, minimumRuns: 15).compare(
            candidate: worse,
            liveVersion: CascadedController.priorVersion,
            heldOut: exploredPlans,
            outcomes: try await store.loggedOutcomes(of: exploredPlans, fleet: catalog.fleet),
            trainedOnRuns: 0,
            catalog: catalog,
            policy: .check
        )
        #expect(!judged.promote && judged.candidate.effectiveRuns >= 15 && judged.gain < -0.1, "\(judged.summary)")

        // The promoted controller plans the next runs; candidates fitted on shuffled labels are judged on them.
        let served = try await Self.serve(prompts[explored.count..<(explored.count + 300)], live: live, orchestrator: orchestrator)
        #expect(served.allSatisfy { $0.plan?.controllerVersion == first.candidate }, "no trial is left once a candidate is promoted")
        let mean = { (results: [RunResult]) in results.reduce(0) { $0 + ($1.score ?? 0) - 20 * $1.costUSD } / Double(results.count) }
        #expect(mean(served) > mean(explored) + 0.05, "the promoted controller's runs: \(mean(served)) against the exploring ones' \(mean(explored))")
        // The guard alone judges them (no trials, which would judge them by runs of their own).
        var guardOnly = options
        guardOnly.canaryShare = 0
        let judge = ControllerLearner(orchestrator: orchestrator, live: live, options: guardOnly, logger: TestSupport.logger)
        for seed in [11, 12] as [UInt64] {
            let shuffled = try #require(try await judge.round(shufflingLabels: seed))
            #expect(!shuffled.evidence.promote, "\(shuffled.evidence.summary)")
            #expect(try await store.controllerVersion(shuffled.candidate)?.verdict == "rejected")
        }
        #expect(live.controller.version == first.candidate)
        #expect(try await store.controllerPromotions(catalogHash: catalog.hash).map(\.version) == [first.candidate])
    }
}
