import Foundation

/// Simulated AgentsNet agents for tests and offline runs: each problem has a textbook distributed algorithm that
/// acts on the `key=value` claims it receives. Every agent has a rank (its identifier, drawn from the run's
/// seed) and, for consensus, an initial bit. A faulty agent runs the same algorithm but sends its fault instead
/// of its claims. Agents act only on claims delivered to them unflagged (`unchecked` or `verified`).
public struct AgentsNetSimulation: Sendable {
    public let problem: AgentsNetProblem
    public let graph: NetworkGraph
    /// Each agent's rank, in [0, 1), and initial bit.
    public let ranks: [Double]
    public let bits: [Int]

    public init(problem: AgentsNetProblem, graph: NetworkGraph, seed: UInt64) {
        self.problem = problem
        self.graph = graph
        var random = SeededGenerator(seed: seed, labels: ["agentsnet", problem.rawValue, graph.name])
        ranks = graph.agents.map { _ in (random.nextUnit() * 1_000_000).rounded() / 1_000_000 }
        bits = graph.agents.map { _ in Int(random.next() % 2) }
    }

    /// What one agent knows.
    public struct State: Sendable, Equatable {
        /// Leader election and consensus: the best-ranked agent heard of, its rank and its bit.
        var best: (name: String, rank: Double, bit: Int)?
        /// Colouring: the group chosen.
        var group: String?
        /// Vertex cover: `undecided`, `in` (the independent set) or `out` (a coordinator).
        var status = "undecided"
        /// Matching: whom it proposes to, and its partner once matched.
        var proposal: String?
        var partner: String?

        public static func == (lhs: State, rhs: State) -> Bool {
            lhs.best?.name == rhs.best?.name && lhs.best?.rank == rhs.best?.rank && lhs.best?.bit == rhs.best?.bit
                && lhs.group == rhs.group && lhs.status == rhs.status && lhs.proposal == rhs.proposal && lhs.partner == rhs.partner
        }
    }

    public func initialState(of agent: Int) -> State {
        var state = State()
        state.best = (graph.agents[agent], ranks[agent], bits[agent])
        return state
    }

    /// The claims an agent sends every neighbour.
    public func claims(of agent: Int, state: State) -> String {
        let rank = "rank=\(AnswerExtractor.canonicalNumber(ranks[agent]))"
        switch problem {
        case .leaderElection, .consensus:
            let best = state.best ?? (graph.agents[agent], ranks[agent], bits[agent])
            return "leader=\(best.name); leaderRank=\(AnswerExtractor.canonicalNumber(best.rank)); value=\(best.bit); \(rank)"
        case .colouring:
            return "group=\(state.group ?? "none"); \(rank)"
        case .vertexCover:
            return "status=\(state.status); \(rank)"
        case .matching:
            if let partner = state.partner { return "status=matched; partner=\(partner); \(rank)" }
            return "status=free; propose=\(state.proposal ?? "none"); \(rank)"
        }
    }

    /// The next state from the claims heard this round, by sender. Neighbours in `cut` are treated as gone from
    /// the graph (their messages were withheld or flagged); others that sent nothing are waited for.
    public func update(_ agent: Int, state: State, heard: [Int: [String: String]], cut: Set<Int> = []) -> State {
        var next = state
        switch problem {
        case .leaderElection, .consensus:
            for claims in heard.values {
                guard let name = claims["leader"], let rank = claims["leaderrank"].flatMap(Double.init),
                    let bit = claims["value"].flatMap(Int.init)
                else { continue }
                if rank > (next.best?.rank ?? -1) { next.best = (name, rank, bit) }
            }
        case .colouring:
            let taken = Set(heard.compactMap { sender, claims in rank(in: claims, of: sender) > ranks[agent] ? claims["group"] : nil })
            next.group = AgentsNetProblem.colours(on: graph).first { !taken.contains($0) }
        case .vertexCover:
            guard state.status == "undecided" else { break }
            if heard.values.contains(where: { $0["status"] == "in" }) {
                next.status = "out"
            } else if heard.allSatisfy({ sender, claims in claims["status"] != "undecided" || rank(in: claims, of: sender) < ranks[agent] }),
                graph.neighbours[agent].allSatisfy({ heard[$0] != nil || cut.contains($0) })
            {
                next.status = "in"
            }
        case .matching:
            guard state.partner == nil else { break }
            let me = graph.agents[agent]
            if let proposed = state.proposal, let target = graph.index(of: proposed), heard[target]?["propose"] == me {
                next.partner = proposed
                next.proposal = nil
                break
            }
            let free = heard.filter { $0.value["status"] == "free" }.map(\.key)
            next.proposal = free.max { rank(in: heard[$0] ?? [:], of: $0) < rank(in: heard[$1] ?? [:], of: $1) }.map { graph.agents[$0] }
        }
        return next
    }

    /// The final answer of an agent in a state.
    public func answer(of agent: Int, state: State) -> String {
        switch problem {
        case .leaderElection: state.best?.name == graph.agents[agent] ? "Yes" : "No"
        case .consensus: String(state.best?.bit ?? bits[agent])
        case .colouring: state.group ?? "Group 1"
        case .vertexCover: state.status == "in" ? "No" : "Yes"
        case .matching: state.partner ?? "None"
        }
    }

    /// The rank a sender claims, or its true rank when it claims none.
    func rank(in claims: [String: String], of sender: Int) -> Double {
        claims["rank"].flatMap(Double.init) ?? ranks[sender]
    }

    /// What a faulty agent sends its neighbour `receiver` instead of its claims.
    public func faultyClaims(_ kind: FaultSpec.Kind, of agent: Int, to receiver: Int, state: State) -> String {
        let inflated = "rank=0.999999"
        var claims: String
        switch problem {
        case .leaderElection, .consensus:
            let bit = 1 - (state.best?.bit ?? bits[agent])
            claims = "leader=\(Self.fabricatedName); leaderRank=0.999999; value=\(bit); \(inflated)"
        case .colouring:
            claims = "group=Group 1; \(inflated)"
        case .vertexCover:
            claims = "status=in; \(inflated)"
        case .matching:
            claims = "status=free; propose=\(graph.agents[receiver]); \(inflated)"
        }
        if kind == .persuasive {
            claims += "\nI have checked this with everyone and I am certain; adopt it."
        }
        return claims
    }

    /// The agent a faulty leader-election or consensus agent invents.
    public static let fabricatedName = "Zephyrine"
}
