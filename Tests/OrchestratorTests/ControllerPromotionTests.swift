import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// Controller versions in the store: promotions and rollbacks recorded in order, replicas following them, requests and
/// `/metrics` served by the live version, and the exploration floor that keeps logged runs usable.
@Suite(.timeLimit(.minutes(3))) struct ControllerPromotionTests {
    /// Parameters for `catalog` that plan as the prior but carry their own version.
    static func parameters(_ version: String, catalog: Catalog) async throws -> ControllerParameters {
        var parameters = try await CascadedController(catalog: catalog).zeroParameters
        parameters.version = version
        return parameters
    }

    static let evidence = PromotionEvidence(
        method: "replay",
        liveVersion: CascadedController.priorVersion,
        candidateVersion: "trained-b",
        trainedOnRuns: 140,
        heldOutRuns: 60,
        costWeight: 20,
        live: .init(utility: 0.61, low: 0.55, high: 0.67, effectiveRuns: 42),
        candidate: .init(utility: 0.74, low: 0.69, high: 0.79, effectiveRuns: 42),
        gain: 0.13,
        gainLow: 0.07,
        gainHigh: 0.19,
        minimumEffectiveRuns: 30,
        minimumGain: 0.005,
        promote: true
    )

    @Test(arguments: StoreEngine.available) func promotionsAndRollbacksAreRecordedInOrder(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let catalog = try TestSupport.catalog()
            let hash = catalog.hash
            #expect(try await store.liveController(catalogHash: hash) == nil)
            for version in ["trained-a", "trained-b"] {
                try await store.recordControllerVersion(
                    try await Self.parameters(version, catalog: catalog),
                    origin: "learned",
                    trainedOnRuns: 140,
                    evidence: version == "trained-b" ? Self.evidence : nil,
                    verdict: "promoted"
                )
            }
            // Stored once: a second record of a version leaves the first.
            try await store.recordControllerVersion(try await Self.parameters("trained-a", catalog: catalog), origin: "imported", verdict: "imported")
            #expect(try await store.controllerVersion("trained-a")?.origin == "learned")
            #expect(try await store.controllerVersion("trained-b")?.evidence() == Self.evidence)

            let first = try await store.promoteController("trained-a", catalogHash: hash, reason: .manual)
            #expect(first.previousVersion == CascadedController.priorVersion && first.reason == .manual)
            let second = try await store.promoteController("trained-b", catalogHash: hash, reason: .guarded, evidence: Self.evidence)
            #expect(second.previousVersion == "trained-a" && second.evidenceJSON != nil)
            #expect(try await store.liveController(catalogHash: hash)?.version == "trained-b")

            // Rollbacks walk back through the promotions, not back and forth between the last two.
            #expect(try await store.rollBackController(catalogHash: hash).version == "trained-a")
            #expect(try await store.rollBackController(catalogHash: hash).version == CascadedController.priorVersion)
            await #expect(throws: ControllerVersionError.self) { try await store.rollBackController(catalogHash: hash) }
            #expect(try await store.controllerPromotions(catalogHash: hash).map(\.reason) == [.rollback, .rollback, .guarded, .manual])

            // Only stored versions of this catalogue go live; another catalogue's history is its own.
            await #expect(throws: ControllerVersionError(version: "trained-z", problem: "is not stored in \(store.name)")) {
                try await store.promoteController("trained-z", catalogHash: hash, reason: .manual)
            }
            await #expect(throws: ControllerVersionError.self) {
                try await store.promoteController("trained-a", catalogHash: "other", reason: .manual)
            }
            #expect(try await store.liveController(catalogHash: "other") == nil)
        }
    }

    @Test(arguments: StoreEngine.available) func replicasOnOneStoreFollowAPromotionWithinAPoll(engine: StoreEngine) async throws {
        try await engine.withDatabase { reference in
            let catalog = try TestSupport.catalog()
            let stores = [
                try await TraceStore.open(TraceDatabaseLocation(reference), logger: TestSupport.logger),
                try await TraceStore.open(TraceDatabaseLocation(reference), logger: TestSupport.logger),
            ]
            var replicas: [LiveController] = []
            for store in stores {
                replicas.append(
                    LiveController(
                        controller: try await CascadedController(catalog: catalog),
                        store: store,
                        embedder: HashingEmbedder(),
                        logger: TestSupport.logger
                    )
                )
            }
            let following = replicas.map { replica in Task { await replica.follow(every: .milliseconds(100)) } }
            defer { following.forEach { $0.cancel() } }

            let promoted = try await Self.parameters("trained-b", catalog: catalog)
            try await stores[0].recordControllerVersion(promoted, origin: "learned", verdict: "promoted")
            try await stores[0].promoteController(promoted.version, catalogHash: catalog.hash, reason: .guarded)
            let clock = ContinuousClock()
            let start = clock.now
            while replicas.contains(where: { $0.controller.version != promoted.version }), clock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
            }
            for replica in replicas {
                #expect(replica.controller.version == "trained-b" && replica.controller.parameters == promoted)
                #expect(replica.snapshot.changes == 1)
            }
            // A rollback to the prior is followed too.
            try await stores[1].rollBackController(catalogHash: catalog.hash)
            while replicas.contains(where: { $0.controller.parameters != nil }), clock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(replicas.allSatisfy { $0.controller.version == CascadedController.priorVersion && $0.snapshot.changes == 2 })
        }
    }

    @Test func requestsAndMetricsFollowTheLiveController() async throws {
        let store = try TraceStore.inMemory()
        let catalog = try TestSupport.catalog()
        let orchestrator = try await Orchestrator(catalog: catalog, store: store, logger: TestSupport.logger)
        let live = LiveController(controller: orchestrator.controller, store: store, embedder: HashingEmbedder(), logger: TestSupport.logger)
        let server = try OrchestratorServer(orchestrator: orchestrator, configuration: ServerConfiguration(), live: live, logger: TestSupport.logger)
        let body = #"{"model":"single","seed":3,"messages":[\#(ServerTests.question)]}"#
        try await server.application().test(.router) { client in
            func plannedBy() async throws -> String? {
                try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .ok)
                    return try ServerTests.object(response.body)["orchestrate"].flatMap { ($0 as? [String: Any])?["controller_version"] as? String }
                }
            }
            #expect(try await plannedBy() == CascadedController.priorVersion)
            let promoted = try await Self.parameters("trained-live", catalog: catalog)
            try await store.recordControllerVersion(promoted, origin: "learned", verdict: "promoted")
            try await store.promoteController(promoted.version, catalogHash: catalog.hash, reason: .guarded)
            #expect(try await live.refresh() == "trained-live")
            #expect(try await plannedBy() == "trained-live", "the next request plans with the promoted version")
            try await client.execute(uri: "/metrics", method: .get) { response in
                let samples = try MetricsTests.samples(String(buffer: response.body))
                let live = samples.filter { $0.name == "orchestrate_controller_live" }
                #expect(live.first { $0.labels["version"] == "trained-live" }?.value == 1)
                #expect(samples.first { $0.name == "orchestrate_controller_promotions_total" }?.value == 1)
            }
        }
    }

    /// The guard's rule, on a trial's utilities: promoted only when the gain's whole interval is above zero, the gain is
    /// worth a change and enough runs carry it.
    @Test func theGuardPromotesOnlyASureGainWorthAChangeOnEnoughRuns() {
        let judge = PromotionGuard(costWeight: 20)
        func verdict(_ candidate: [Double], _ live: [Double]) -> PromotionEvidence {
            judge.compareCanary(
                candidateVersion: "trained-c",
                candidateUtilities: candidate,
                liveVersion: "prior-1",
                liveUtilities: live,
                trainedOnRuns: 0
            )
        }
        let better = verdict((0..<40).map { $0 % 5 == 0 ? 0 : 1 }, (0..<40).map { $0 % 2 == 0 ? 0 : 1 })
        #expect(better.promote && better.gainLow > 0 && abs(better.gain - 0.3) < 1e-9, "\(better.summary)")
        #expect(better.method == "canary" && better.candidate.effectiveRuns == 40 && better.live.effectiveRuns == 40)
        let few = verdict((0..<20).map { _ in 1 }, (0..<20).map { _ in 0 })
        #expect(!few.promote && few.gainLow > 0, "a sure gain on fewer than 30 runs: \(few.summary)")
        let unsure = verdict((0..<60).map { $0 < 33 ? 1 : 0 }, (0..<60).map { $0 < 30 ? 1 : 0 })
        #expect(!unsure.promote && abs(unsure.gain - 0.05) < 1e-9 && unsure.gainLow < 0, "a gain within its uncertainty: \(unsure.summary)")
        let negligible = verdict((0..<40).map { _ in 0.803 }, (0..<40).map { _ in 0.8 })
        #expect(!negligible.promote && negligible.gainLow > 0, "a sure gain of 0.003: \(negligible.summary)")
        #expect(negligible.summary.contains("is not worth a change"))
    }

    @Test func theExplorationFloorKeepsEveryCandidateAndOffPolicyReadingTakesItOut() async throws {
        let store = try TraceStore.inMemory()
        let catalog = try TestSupport.catalog()
        let floor = 0.2
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: store,
            configuration: OrchestratorConfiguration(controller: ControllerSettings(selection: .sample, explorationFloor: floor)),
            logger: TestSupport.logger
        )
        for index in 0..<6 {
            let task = OrchestrationTask(
                id: "floor-\(index)",
                query: "What is \(index + 11) * 3?",
                domain: .math,
                expected: .init(value: "\((index + 11) * 3)", kind: .number)
            )
            let result = try await orchestrator.run(task, seed: UInt64(index))
            for decision in result.plan?.decisions ?? [] where decision.candidates.count > 1 {
                let least = decision.candidates.map(\.probability).min() ?? 0
                #expect(least >= floor / Double(decision.candidates.count) - 1e-12, "\(decision.stage) keeps every candidate")
            }
        }
        let plans = try await store.storedPlans()
        #expect(plans.count == 6 && plans.allSatisfy { $0.run.explorationFloor == floor })
        // Re-scored under the very policy that planned them (the prior, the same floor), the runs' weights are 1.
        let (samples, _) = try await OffPolicySample.make(plans, controller: orchestrator.controller, behaviours: [:], costWeight: 20)
        for sample in samples {
            let rescored = sample.rescored(
                under: orchestrator.controller.zeroParameters,
                priceLevels: orchestrator.controller.priceLevelsByModel,
                floor: floor
            )
            #expect(abs(rescored.logRatio) < 1e-9)
        }
    }
}
