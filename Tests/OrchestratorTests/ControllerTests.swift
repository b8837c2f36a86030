import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct ControllerTests {
    let catalog: Catalog

    init() throws {
        catalog = try TestSupport.catalog()
    }

    static let queries = [
        "What is 15 + 27?",
        "A bakery makes 14 trays of muffins with 12 muffins on each tray. It sells 9 boxes of 6 muffins in the morning and then 37 single muffins in the afternoon. How many muffins are left at the end of the day?",
        "Implement a Python function that returns the longest palindromic substring of a string, and explain its complexity.",
        "Which planet is closest to the Sun?\nA) Venus\nB) Mercury\nC) Earth\nD) Mars",
    ]

    func controller(_ selection: SelectionMode, temperature: Double = 1) async throws -> CascadedController {
        try await CascadedController(catalog: catalog, settings: ControllerSettings(selection: selection, temperature: temperature))
    }

    @Test(arguments: [SelectionMode.greedy, .sample])
    func probabilitiesSumToOneAndLogProbabilitiesMatch(selection: SelectionMode) async throws {
        let controller = try await controller(selection)
        for (index, query) in Self.queries.enumerated() {
            for seed in UInt64(0)..<8 {
                let plan = try await controller.plan(for: OrchestrationTask(id: "q\(index)", query: query), seed: seed)
                #expect(plan.decisions.count == 2 + 2 * plan.agents.count)
                #expect(
                    plan.decisions.map(\.stage) == [.topology, .agentCount] + Array(repeating: .role, count: plan.agents.count)
                        + Array(repeating: .model, count: plan.agents.count)
                )
                for decision in plan.decisions {
                    let total = decision.candidates.reduce(0) { $0 + $1.probability }
                    #expect(abs(total - 1) < 1e-9, "\(decision.stage) sums to \(total)")
                    let chosen = try #require(decision.candidates.first { $0.name == decision.chosen })
                    #expect(chosen.probability > 0)
                    #expect(abs(decision.logProbability - log(chosen.probability)) < 1e-12)
                }
                #expect(abs(plan.logProbability - plan.decisions.reduce(0) { $0 + log($1.probability) }) < 1e-9)
            }
        }
    }

    @Test func greedyTakesTheMostProbableCandidate() async throws {
        let controller = try await controller(.greedy)
        for (index, query) in Self.queries.enumerated() {
            let plan = try await controller.plan(for: OrchestrationTask(id: "q\(index)", query: query), seed: 1)
            for decision in plan.decisions {
                let best = decision.candidates.map(\.probability).max() ?? 0
                #expect(decision.probability == best)
            }
        }
    }

    @Test func pinnedStagesAreRespected() async throws {
        let controller = try await controller(.sample, temperature: 3)
        let roles = ["math.solver", "math.arithmetic-checker", "math.algebraist", "general.judge"]
        let task = OrchestrationTask(
            id: "pinned",
            query: Self.queries[1],
            constraints: Constraints(topology: "debate", roles: roles, models: ["sim-small", "sim-medium"])
        )
        for seed in UInt64(0)..<20 {
            let plan = try await controller.plan(for: task, seed: seed)
            #expect(plan.topology == "debate")
            #expect(plan.agents.map(\.role) == roles)
            #expect(plan.agents.allSatisfy { ["sim-small", "sim-medium"].contains($0.model) })
            let pinned = plan.decisions.filter(\.pinned)
            #expect(pinned.count == 2 + roles.count)
            #expect(pinned.allSatisfy { $0.candidates.count == 1 && $0.logProbability == 0 })
            let models = plan.decisions.filter { $0.stage == .model }
            #expect(models.allSatisfy { Set($0.candidates.map(\.name)) == ["sim-small", "sim-medium"] })
        }
        let counted = OrchestrationTask(id: "count", query: Self.queries[0], constraints: Constraints(topology: "vote-ensemble", agentCount: 5))
        let plan = try await controller.plan(for: counted, seed: 3)
        #expect(plan.agents.count == 5)
        #expect(plan.decisions[1].candidates.map(\.name) == ["5"])
    }

    @Test func budgetLimitsTheAgentCount() async throws {
        let controller = try await controller(.sample, temperature: 5)
        for seed in UInt64(0)..<30 {
            let task = OrchestrationTask(id: "limit", query: Self.queries[1], budget: Budget(maxAgents: 2))
            let plan = try await controller.plan(for: task, seed: seed)
            #expect(plan.agents.count <= 2)
            #expect(plan.decisions[0].candidates.allSatisfy { catalog.topology(named: $0.name)!.agents.lowerBound <= 2 })
        }
    }

    @Test func sameSeedSamePlanAndSeedsExplore() async throws {
        let controller = try await controller(.sample, temperature: 2)
        let task = OrchestrationTask(id: "seeded", query: Self.queries[1])
        let first = try await controller.plan(for: task, seed: 42)
        let again = try await controller.plan(for: task, seed: 42)
        #expect(first == again)
        var distinct: Set<String> = []
        for seed in UInt64(0)..<20 {
            let plan = try await controller.plan(for: task, seed: seed)
            distinct.insert(plan.topology + plan.agents.map { $0.role + $0.model }.joined())
        }
        #expect(distinct.count > 3)
    }

    @Test func priorSendsEasyQueriesToOneCheapAgentAndHardOnesToTeams() async throws {
        let controller = try await controller(.greedy)
        let easy = try await controller.plan(for: OrchestrationTask(id: "easy", query: "What is 15 + 27?"), seed: 0)
        #expect(easy.agents.count == 1)
        let cheapest = catalog.fleet.models.min { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
        #expect(easy.agents.first?.model == cheapest?.name)

        let hard = try await controller.plan(for: OrchestrationTask(id: "hard", query: Self.queries[1]), seed: 0)
        #expect(hard.agents.count >= 3)
        #expect(hard.difficulty > easy.difficulty)
        #expect(hard.domain == .math)
        // A topology whose last agent decides gives it a decision role, and only it.
        let debate = try await controller.plan(
            for: OrchestrationTask(id: "debate", query: Self.queries[1], constraints: Constraints(topology: "debate", agentCount: 4)),
            seed: 0
        )
        let roles = debate.agents.map { catalog.role(named: $0.role)?.isDecision }
        #expect(roles == [false, false, false, true], "\(debate.agents.map(\.role))")
    }

    @Test func embedderIsDeterministicAndNormalised() async throws {
        let embedder = HashingEmbedder()
        let first = embedder.vector("How many muffins are left?")
        #expect(first == embedder.vector("How many muffins are left?"))
        #expect(abs(first.dot(first) - 1) < 1e-9)
        let related = embedder.vector("How many muffins remain?")
        let unrelated = embedder.vector("Implement a binary search tree in Rust")
        #expect(first.dot(related) > first.dot(unrelated))
    }

    @Test func wordsAreLettersAndDigitsLowercasedInAnyScript() {
        #expect(HashingEmbedder.words("Hello, World! 42x y_z\t3.5") == ["hello", "world", "42x", "y", "z", "3", "5"])
        #expect(HashingEmbedder.words("Café NAÏVE: 3 ñu—ok") == ["café", "naïve", "3", "ñu", "ok"])
        #expect(HashingEmbedder.words(" ,; ").isEmpty)
    }
}
