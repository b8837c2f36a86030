/// Scores the agents' final answers exactly as AgentsNet does (`LiteralMessagePassing.py`, `get_score`); a missing
/// answer (nil) is invalid.
public enum AgentsNetScorer {
    public static func score(_ problem: AgentsNetProblem, answers: [String?], on graph: NetworkGraph) -> Double {
        switch problem {
        case .colouring: colouring(answers, graph)
        case .vertexCover: vertexCover(answers, graph)
        case .matching: matching(answers, graph)
        case .leaderElection: leaderElection(answers)
        case .consensus: consensus(answers)
        }
    }

    /// The share of edges whose ends are in different groups, and 0 if any answer is not one of the groups.
    static func colouring(_ answers: [String?], _ graph: NetworkGraph) -> Double {
        let colours = Set(AgentsNetProblem.colours(on: graph))
        guard answers.allSatisfy({ $0.map(colours.contains) == true }), !graph.edges.isEmpty else { return 0 }
        let differing = graph.edges.filter { answers[$0.a] != answers[$0.b] }.count
        return Double(differing) / Double(graph.edges.count)
    }

    /// 1 when every answer is valid and exactly one is `Yes`.
    static func leaderElection(_ answers: [String?]) -> Double {
        let valid = answers.allSatisfy { $0 == "Yes" || $0 == "No" }
        return valid && answers.filter({ $0 == "Yes" }).count == 1 ? 1 : 0
    }

    /// 1 when every agent answers the same value, 0 or 1.
    static func consensus(_ answers: [String?]) -> Double {
        guard let first = answers.first, first == "0" || first == "1" else { return 0 }
        return answers.allSatisfy { $0 == first } ? 1 : 0
    }

    /// The share of consistent agents: one naming a partner is consistent when the partner is a neighbour and
    /// names it back; one answering `None` is consistent unless a neighbour also answers `None` (the two could
    /// have been matched, so the matching is not maximal).
    static func matching(_ answers: [String?], _ graph: NetworkGraph) -> Double {
        var inconsistent = 0
        for agent in 0..<graph.order {
            let answer = answers[agent]
            if answer == "None" {
                if graph.neighbours[agent].contains(where: { answers[$0] == "None" }) { inconsistent += 1 }
                continue
            }
            guard let answer, let partner = graph.index(of: answer), graph.areNeighbours(agent, partner),
                answers[partner] == graph.agents[agent]
            else {
                inconsistent += 1
                continue
            }
        }
        return Double(graph.order - inconsistent) / Double(graph.order)
    }

    /// Coverage (the share of edges with a coordinator at one end) × minimality (the share of coordinators
    /// whose change to `No` leaves an edge uncovered); a cover with no coordinator scores 0.
    static func vertexCover(_ answers: [String?], _ graph: NetworkGraph) -> Double {
        func coverage(_ answers: [String?]) -> Double {
            guard !graph.edges.isEmpty else { return 0 }
            let covered = graph.edges.filter { answers[$0.a] == "Yes" || answers[$0.b] == "Yes" }.count
            return Double(covered) / Double(graph.edges.count)
        }
        let members = (0..<graph.order).filter { answers[$0] == "Yes" }
        guard !members.isEmpty else { return 0 }
        let necessary = members.filter { member in
            var without = answers
            without[member] = "No"
            return coverage(without) < 1
        }
        return coverage(answers) * Double(necessary.count) / Double(members.count)
    }
}
