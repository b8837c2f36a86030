import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// AgentsNet's scores on small hand-made graphs, computed by hand.
@Suite(.timeLimit(.minutes(5))) struct AgentsNetScorerTests {
    /// A — B — C — D
    static let path = NetworkGraph(
        name: "path-4",
        agents: ["A", "B", "C", "D"],
        edges: [.init(0, 1), .init(1, 2), .init(2, 3)]
    )
    /// A triangle A, B, C with D hanging off C.
    static let kite = NetworkGraph(
        name: "kite-4",
        agents: ["A", "B", "C", "D"],
        edges: [.init(0, 1), .init(1, 2), .init(0, 2), .init(2, 3)]
    )

    static func score(_ problem: AgentsNetProblem, _ answers: [String?], on graph: NetworkGraph = path) -> Double {
        AgentsNetScorer.score(problem, answers: answers, on: graph)
    }

    @Test func colouringCountsProperEdgesWithMaxDegreePlusOneGroups() {
        #expect(AgentsNetProblem.colours(on: Self.path) == ["Group 1", "Group 2", "Group 3"])
        #expect(Self.score(.colouring, ["Group 1", "Group 2", "Group 1", "Group 2"]) == 1)
        #expect(abs(Self.score(.colouring, ["Group 1", "Group 2", "Group 1", "Group 1"]) - 2.0 / 3) < 1e-12)
        #expect(Self.score(.colouring, ["Group 1", "Group 1", "Group 1", "Group 1"]) == 0)
        #expect(Self.score(.colouring, ["Group 1", "Group 2", "Group 3", "Group 4"]) == 0, "Group 4 is not a group here")
        #expect(Self.score(.colouring, ["Group 1", "Group 2", nil, "Group 2"]) == 0)
        #expect(abs(Self.score(.colouring, ["Group 1", "Group 2", "Group 3", "Group 3"], on: Self.kite) - 3.0 / 4) < 1e-12)
    }

    @Test func consensusNeedsEveryoneOnTheSameBit() {
        #expect(Self.score(.consensus, ["1", "1", "1", "1"]) == 1)
        #expect(Self.score(.consensus, ["0", "0", "0", "0"]) == 1)
        #expect(Self.score(.consensus, ["0", "0", "1", "0"]) == 0)
        #expect(Self.score(.consensus, ["2", "2", "2", "2"]) == 0)
        #expect(Self.score(.consensus, ["0", "0", "0", nil]) == 0)
    }

    @Test func leaderElectionNeedsExactlyOneYesAndValidAnswers() {
        #expect(Self.score(.leaderElection, ["No", "Yes", "No", "No"]) == 1)
        #expect(Self.score(.leaderElection, ["Yes", "Yes", "No", "No"]) == 0)
        #expect(Self.score(.leaderElection, ["No", "No", "No", "No"]) == 0)
        #expect(Self.score(.leaderElection, ["No", "Yes", "Maybe", "No"]) == 0)
        #expect(Self.score(.leaderElection, ["No", "Yes", nil, "No"]) == 0)
    }

    @Test func matchingCountsConsistentAgents() {
        #expect(Self.score(.matching, ["B", "A", "D", "C"]) == 1)
        #expect(Self.score(.matching, ["B", "A", "None", "None"]) == 0.5, "two neighbours both unmatched break maximality")
        #expect(Self.score(.matching, ["B", "C", "B", "None"]) == 0.75, "A names B, who names C")
        #expect(Self.score(.matching, ["C", "None", "A", "None"]) == 0.5, "A and C are not neighbours; B and D are fine")
        #expect(Self.score(.matching, ["None", "C", "B", "None"]) == 1, "A and D unmatched with no unmatched neighbour")
        #expect(Self.score(.matching, ["B", "A", nil, "C"]) == 0.5)
    }

    @Test func vertexCoverIsCoverageTimesMinimality() {
        #expect(Self.score(.vertexCover, ["No", "Yes", "Yes", "No"]) == 1)
        #expect(abs(Self.score(.vertexCover, ["Yes", "Yes", "Yes", "No"]) - 1.0 / 3) < 1e-12, "only C is needed")
        #expect(abs(Self.score(.vertexCover, ["No", "Yes", "No", "No"]) - 2.0 / 3) < 1e-12, "C—D uncovered; B needed")
        #expect(Self.score(.vertexCover, ["No", "No", "No", "No"]) == 0, "no coordinator scores 0")
        #expect(Self.score(.vertexCover, ["Yes", "No", "Yes", "No"], on: Self.kite) == 1)
        #expect(Self.score(.vertexCover, ["Yes", "Yes", "Yes", "Yes"], on: Self.kite) == 0, "nobody is needed: minimality 0")
    }

    @Test func roundsFollowAgentsNet() throws {
        let graph = try NetworkGraph.load(path: TestSupport.workflows + "/graphs/scale-free-8.json")
        #expect(graph.diameter == 3 && graph.order == 8)
        #expect(AgentsNetProblem.consensus.rounds(on: graph) == 7)
        #expect(AgentsNetProblem.leaderElection.rounds(on: graph) == 7)
        #expect(AgentsNetProblem.colouring.rounds(on: graph) == 4)
        #expect(AgentsNetProblem.matching.validAnswers(of: 0, on: graph).last == "None")
    }

    @Test func everyFrozenGraphLoadsConnectedWithItsRecordedFigures() throws {
        for family in ["small-world", "scale-free", "delaunay"] {
            for size in [4, 8, 16] {
                let graph = try NetworkGraph.load(path: TestSupport.workflows + "/graphs/\(family)-\(size).json")
                #expect(graph.order == size && graph.family == family && graph.diameter < size)
            }
        }
    }
}
