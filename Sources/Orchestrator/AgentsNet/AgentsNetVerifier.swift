/// Checks an AgentsNet agent's messages before its neighbours see them: a JSON object keyed by neighbour name,
/// sent only to real neighbours, with claims that hold where the system knows the truth (every agent's
/// identifier and initial bit, the valid options, one story told to every neighbour); and, per receiver, the
/// local conflicts AgentsNet names (the same group as mine, a match not reciprocated, two leaders).
struct AgentsNetVerifier: Sendable {
    let simulation: AgentsNetSimulation
    var graph: NetworkGraph { simulation.graph }

    func check(sender: Int, outgoing: [String: String]?) -> [CheckResult] {
        guard let outgoing else {
            return [CheckResult(check: .format, outcome: .failed, detail: "no JSON object of messages keyed by neighbour name")]
        }
        var results = [CheckResult(check: .format, outcome: .passed, detail: "\(outgoing.count) message(s)")]
        let neighbours = Set(graph.neighbours[sender].map { graph.agents[$0] })
        let strangers = outgoing.keys.filter { !neighbours.contains($0) }.sorted()
        results.append(
            strangers.isEmpty
                ? CheckResult(check: .addressing, outcome: .passed, detail: "sent to neighbours only")
                : CheckResult(
                    check: .addressing,
                    outcome: .failed,
                    detail: "addressed to \(strangers.joined(separator: ", ")), not neighbours of \(graph.agents[sender])"
                )
        )
        results.append(claims(sender: sender, outgoing: outgoing))
        return results
    }

    private func claims(sender: Int, outgoing: [String: String]) -> CheckResult {
        let parsed = outgoing.mapValues(AgentsNetMessages.claims(in:))
        guard parsed.values.contains(where: { !$0.isEmpty }) else {
            return CheckResult(check: .claims, outcome: .skipped, detail: "no structured claims")
        }
        var problems: [String] = []
        for (receiver, claims) in parsed.sorted(by: { $0.key < $1.key }) {
            problems += problemsWith(claims, sender: sender, receiver: receiver)
        }
        if simulation.problem == .matching {
            for key in ["partner", "propose"] {
                let named = Set(parsed.values.compactMap { $0[key] })
                if named.count > 1 {
                    problems.append("tells different neighbours a different \(key) (\(named.sorted().joined(separator: ", ")))")
                }
            }
        } else {
            let stories = Set(parsed.values.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";") })
            if stories.count > 1 { problems.append("tells different neighbours different things") }
        }
        let unique = problems.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if unique.isEmpty {
            return CheckResult(check: .claims, outcome: .passed, detail: "claims hold")
        }
        return CheckResult(check: .claims, outcome: .failed, detail: unique.prefix(3).joined(separator: "; "))
    }

    private func problemsWith(_ claims: [String: String], sender: Int, receiver: String) -> [String] {
        var problems: [String] = []
        let name = graph.agents[sender]
        if let rank = claims["rank"], Double(rank) != simulation.ranks[sender] {
            problems.append("\(name) claims identifier \(rank); it is \(AnswerExtractor.canonicalNumber(simulation.ranks[sender]))")
        }
        if let leader = claims["leader"] {
            if let index = graph.index(of: leader) {
                if let rank = claims["leaderrank"], Double(rank) != simulation.ranks[index] {
                    problems.append("relays identifier \(rank) for \(leader); it is \(AnswerExtractor.canonicalNumber(simulation.ranks[index]))")
                }
                if let value = claims["value"], Int(value) != simulation.bits[index] {
                    problems.append("relays value \(value) for \(leader); \(leader) started with \(simulation.bits[index])")
                }
            } else {
                problems.append("names \(leader), who is not an agent of the network")
            }
        }
        if let group = claims["group"], group != "none", !AgentsNetProblem.colours(on: graph).contains(group) {
            problems.append("\(group) is not one of the \(graph.maxDegree + 1) groups")
        }
        if let status = claims["status"], !["undecided", "in", "out", "free", "matched"].contains(status) {
            problems.append("status '\(status)' is not a state of the protocol")
        }
        for key in ["partner", "propose"] {
            if let other = claims[key], other != "none", graph.index(of: other).map({ !graph.areNeighbours(sender, $0) }) ?? true {
                problems.append("\(key) \(other) is not a neighbour of \(name)")
            }
        }
        return problems
    }

    /// Conflicts between what a receiver holds and what a neighbour tells it: delivered, but as a dispute.
    func conflict(receiver: Int, sender: Int, own: AgentsNetSimulation.State?, claims: [String: String], otherLeaders: Set<String>) -> String? {
        switch simulation.problem {
        case .colouring:
            if let group = claims["group"], group != "none", group == own?.group { return "both claim \(group)" }
        case .matching:
            if claims["partner"] == graph.agents[receiver], let own, own.partner != graph.agents[sender], own.proposal != graph.agents[sender] {
                return "\(graph.agents[sender]) claims a match that \(graph.agents[receiver]) has not made"
            }
        case .leaderElection:
            if let leader = claims["leader"], otherLeaders.contains(where: { $0 != leader }) {
                return "neighbours name different leaders (\(otherLeaders.union([leader]).sorted().joined(separator: ", ")))"
            }
        case .consensus, .vertexCover:
            break
        }
        return nil
    }
}
