import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct AgentGraphTests {
    let catalog: Catalog

    init() throws {
        catalog = try TestSupport.catalog()
    }

    func graph(_ name: String, _ agents: Int, rounds: Int = 1) throws -> AgentGraph {
        let topology = try #require(catalog.topology(named: name))
        return try AgentGraph(topology: topology, agentCount: agents, rounds: rounds)
    }

    /// Active agents per step and edges per step, as text: `[[0,1]: ], [[2]: 0→2 1→2]`.
    func layout(_ graph: AgentGraph) -> [String] {
        graph.steps.map { step in
            "\(step.active): " + step.edges.map(\.description).joined(separator: " ")
        }
    }

    @Test func singleAgentTopologies() throws {
        #expect(layout(try graph("single", 1)) == ["[0]: "])
        #expect(layout(try graph("chain-of-thought", 1)) == ["[0]: "])
    }

    @Test func chainPassesEachAnswerToTheNextAgent() throws {
        #expect(layout(try graph("chain", 2)) == ["[0]: ", "[1]: 0→1"])
        #expect(layout(try graph("chain", 5)) == ["[0]: ", "[1]: 0→1", "[2]: 1→2", "[3]: 2→3", "[4]: 3→4"])
    }

    @Test func starWorkersFeedTheHub() throws {
        #expect(layout(try graph("star", 3)) == ["[0, 1]: ", "[2]: 0→2 1→2"])
        #expect(layout(try graph("star", 6)) == ["[0, 1, 2, 3, 4]: ", "[5]: 0→5 1→5 2→5 3→5 4→5"])
    }

    @Test func layeredConnectsWholeLayers() throws {
        #expect(layout(try graph("layered", 3)) == ["[0, 1]: ", "[2]: 0→2 1→2"])
        #expect(layout(try graph("layered", 4)) == ["[0, 1]: ", "[2]: 0→2 1→2", "[3]: 2→3"])
        #expect(layout(try graph("layered", 6)) == ["[0, 1]: ", "[2, 3]: 0→2 1→2 0→3 1→3", "[4]: 2→4 3→4", "[5]: 4→5"])
    }

    @Test func treeGivesEachParentItsOwnChildren() throws {
        #expect(layout(try graph("tree", 3)) == ["[0, 1]: ", "[2]: 0→2 1→2"])
        #expect(layout(try graph("tree", 4)) == ["[0, 1, 2]: ", "[3]: 0→3 1→3 2→3"])
        #expect(layout(try graph("tree", 5)) == ["[0, 1]: ", "[2, 3]: 0→2 1→3", "[4]: 2→4 3→4"])
        #expect(layout(try graph("tree", 6)) == ["[0, 1, 2]: ", "[3, 4]: 0→3 1→3 2→4", "[5]: 3→5 4→5"])
        #expect(layout(try graph("tree", 7)) == ["[0, 1, 2, 3]: ", "[4, 5]: 0→4 1→4 2→5 3→5", "[6]: 4→6 5→6"])
    }

    @Test func fullMeshExchangesEveryRoundAfterTheFirst() throws {
        #expect(layout(try graph("full-mesh", 2, rounds: 1)) == ["[0, 1]: "])
        #expect(layout(try graph("full-mesh", 3, rounds: 2)) == ["[0, 1, 2]: ", "[0, 1, 2]: 1→0 2→0 0→1 2→1 0→2 1→2"])
        #expect(try graph("full-mesh", 4, rounds: 3).steps.count == 3)
        #expect(try graph("full-mesh", 4, rounds: 3).steps[2].edges.count == 12)
    }

    @Test func debateEndsWithAJudgeReadingTheLastRound() throws {
        #expect(layout(try graph("debate", 3, rounds: 1)) == ["[0, 1]: ", "[2]: 0→2 1→2"])
        #expect(
            layout(try graph("debate", 4, rounds: 2)) == [
                "[0, 1, 2]: ", "[0, 1, 2]: 1→0 2→0 0→1 2→1 0→2 1→2", "[3]: 0→3 1→3 2→3",
            ]
        )
        #expect(try graph("debate", 6, rounds: 3).steps.count == 4)
    }

    @Test func reflectionAlternatesSolverAndCritic() throws {
        #expect(layout(try graph("reflection", 2, rounds: 1)) == ["[0]: ", "[1]: 0→1", "[0]: 1→0"])
        #expect(layout(try graph("reflection", 2, rounds: 2)) == ["[0]: ", "[1]: 0→1", "[0]: 1→0", "[1]: 0→1", "[0]: 1→0"])
    }

    @Test func voteEnsembleIsIndependent() throws {
        let ensemble = try graph("vote-ensemble", 5)
        #expect(layout(ensemble) == ["[0, 1, 2, 3, 4]: "])
        #expect(ensemble.answeringAgents == [0, 1, 2, 3, 4])
        #expect(ensemble.aggregation == .vote)
    }

    /// Every topology, for every agent count from 1 to 6 and 1 to 3 rounds: either a sound graph or a clear
    /// refusal when the count is outside the topology's range.
    @Test func everyTopologyForOneToSixAgents() throws {
        #expect(catalog.topologies.count >= 9)
        for topology in catalog.topologies {
            for agents in 1...6 {
                for rounds in 1...3 {
                    guard topology.agents.contains(agents) else {
                        #expect(throws: AgentGraphError.self) { try AgentGraph(topology: topology, agentCount: agents, rounds: rounds) }
                        continue
                    }
                    let graph = try AgentGraph(topology: topology, agentCount: agents, rounds: rounds)
                    var spoken: Set<Int> = []
                    for step in graph.steps {
                        #expect(!step.active.isEmpty)
                        for edge in step.edges {
                            #expect(edge.from != edge.to, "\(topology.name) \(agents): self edge")
                            #expect(spoken.contains(edge.from), "\(topology.name) \(agents): \(edge) from an agent that has not spoken")
                            #expect(step.active.contains(edge.to), "\(topology.name) \(agents): \(edge) into an idle agent")
                        }
                        spoken.formUnion(step.active)
                    }
                    #expect(spoken == Set(0..<agents), "\(topology.name) \(agents): some agent never acts")
                    #expect(!graph.answeringAgents.isEmpty)
                    if topology.hasDecider && agents > 1 {
                        #expect(graph.steps.last?.active == [agents - 1], "\(topology.name): the decider acts last, alone")
                    }
                }
            }
        }
    }
}
