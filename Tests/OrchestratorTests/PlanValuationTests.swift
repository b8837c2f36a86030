import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Plans valued with full information on recorded outcomes score and cost what the executor's runs of them do, and the
/// controller follows the plans so valued.
@Suite(.timeLimit(.minutes(5))) struct PlanValuationTests {
    static let models = ["cheap-a", "cheap-b", "dear"]

    static func candidates() -> [PlanValuation.Candidate] {
        [
            .init(topology: "single", models: ["cheap-a"]),
            .init(topology: "single", models: ["dear"]),
            .init(topology: "vote-ensemble", models: models),
            .init(topology: "agreement-cascade", models: models),
            .init(topology: "cascade", models: ["cheap-a", "dear"]),
            .init(topology: "cascade", models: models),
        ]
    }

    @Test func everyPlanIsValuedAtWhatTheExecutorsRunOfItScoresAndCosts() async throws {
        let (orchestrator, outcomes) = try await RecordedPlansTests.recorded()
        let tasks = outcomes.tasks
        let valuation = PlanValuation(catalog: orchestrator.catalog, outcomes: outcomes, tasks: tasks)
        let reliability = ["cheap-a": 0.4, "cheap-b": 0.7, "dear": 0.9]
        for candidate in Self.candidates() {
            let valued = valuation.outcomes(of: candidate, reliability: reliability)
            for (index, task) in tasks.enumerated() {
                var pinned = task
                pinned.constraints = Constraints(topology: candidate.topology, agentCount: candidate.models.count)
                let plan = try await orchestrator.controller.plan(for: pinned, seed: 1)
                var agents = plan.agents
                for position in agents.indices {
                    agents[position].model = candidate.models[position]
                    agents[position].reliability = reliability[candidate.models[position]]
                }
                var forced = plan
                forced.agents = agents
                let run = try await orchestrator.perform(
                    pinned,
                    seed: 1,
                    replaying: ReplaySource(runID: "forced", plan: forced, controllerTemperature: 1)
                )
                let value = try #require(valued[index], "\(candidate) on \(task.id)")
                #expect(run.status == .completed, "\(candidate) on \(task.id): \(run.error ?? "")")
                #expect(value.score == run.score, "\(candidate) on \(task.id): valued \(value.score), run \(run.score ?? -1)")
                #expect(abs(value.costUSD - run.costUSD) < 1e-12, "\(candidate) on \(task.id): valued \(value.costUSD), run \(run.costUSD)")
            }
        }
    }

    @Test func theControllerFollowsTheBestPlanOfEachDomainAndItsConstraints() async throws {
        let (orchestrator, outcomes) = try await RecordedPlansTests.recorded()
        let valuation = PlanValuation(catalog: orchestrator.catalog, outcomes: outcomes, tasks: outcomes.tasks)
        let table = await PlanTable.fit(valuation, costWeight: 20)
        let best = try #require(table.entries(for: .knowledge)?.first)
        // The best plan by mean utility over the three tasks, found by brute force over every candidate.
        let candidates = PlanTable.candidates(catalog: orchestrator.catalog)
        let means = candidates.map { candidate -> Double in
            let reliability = table.reliabilities(for: .knowledge)
            let values = valuation.outcomes(of: candidate, reliability: reliability).compactMap { $0 }
            return values.count == 3 ? values.reduce(0) { $0 + $1.score - 20 * $1.costUSD } / 3 : -.infinity
        }
        let top = try #require(means.max())
        #expect(abs(best.utility - top) < 1e-12, "table \(best.utility), brute force \(top)")
        #expect(candidates.indices.contains { means[$0] == top && candidates[$0].models == best.models && candidates[$0].topology == best.topology })
        var parameters = orchestrator.controller.zeroParameters
        parameters.plans = table
        let controller = orchestrator.controller.with(parameters: parameters)
        let task = try #require(outcomes.tasks.first)
        let plan = try await controller.plan(for: task, seed: 3)
        #expect(
            plan.topology == best.topology && plan.agents.map(\.model) == best.models,
            "\(plan.decisions.map { "\($0.stage) \($0.chosen) \($0.candidates.map { "\($0.name)=\($0.probability)" })" }) best \(best)"
        )
        #expect(plan.agents.map(\.reliability) == best.models.map { table.reliabilities(for: .knowledge)[$0] })
        var single = task
        single.constraints.agentCount = 1
        let alone = try await controller.plan(for: single, seed: 3)
        let bestAlone = try #require(table.bestSingleAgent(for: .knowledge))
        #expect(alone.agents.map(\.model) == bestAlone.models && alone.agents.count == 1)
        var cheapOnly = task
        cheapOnly.constraints.models = ["cheap-a", "cheap-b"]
        let cheap = try await controller.plan(for: cheapOnly, seed: 3)
        #expect(Set(cheap.agents.map(\.model)).isSubset(of: ["cheap-a", "cheap-b"]))
        // Roles are the prior's: the same distributions as the untrained controller's for the same topology and count.
        var pinned = task
        pinned.constraints = Constraints(topology: best.topology, agentCount: best.models.count)
        let prior = try await orchestrator.controller.plan(for: pinned, seed: 3)
        let roles = { (plan: Plan) in plan.decisions.filter { $0.stage == .role }.map(\.candidates) }
        #expect(!roles(plan).isEmpty && roles(plan) == roles(prior), "\(roles(plan)) against \(roles(prior))")
    }

    @Test func candidatesCoverEveryIndependentTopologyAndNoTopologyThatReadsMessages() throws {
        let catalog = try TestSupport.catalog(
            models: Self.models.map {
                ModelSpec(name: $0, provider: .recorded, modelID: $0, inputPricePerMillion: 1, outputPricePerMillion: 1, description: $0)
            }
        )
        let candidates = PlanTable.candidates(catalog: catalog)
        let topologies = Set(candidates.map(\.topology))
        #expect(topologies.isSuperset(of: ["single", "vote-ensemble", "cascade", "agreement-cascade"]))
        #expect(!topologies.contains("debate") && !topologies.contains("chain") && !topologies.contains("star"))
        #expect(candidates.filter { $0.topology == "agreement-cascade" }.count == 1)
        #expect(candidates.filter { $0.topology == "cascade" }.count == 3 + 1)
        #expect(PlanTable.combinations(of: 5, choose: 3).count == 10)
        #expect(PlanTable.combinations(of: 4, choose: 2) == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]])
    }
}
