import Foundation

/// How AgentsNet's agents take their turns in the step loop (AgentsNet's rounds are its steps, every agent acting
/// in each and hearing its neighbours). What differs from a task's run: each sender writes a message per
/// receiver, each agent keeps its memory (its conversation with its model, or the simulated algorithm's state),
/// deliveries are checked against what the receiver knows of the graph, and a quarantined agent still answers for
/// its own node while its messages reach no one.
struct AgentsNetTurns: TurnStrategy {
    let setup: AgentsNetRun
    let simulation: AgentsNetSimulation
    let verifier: AgentsNetVerifier
    /// The one model-calling path, over the run's model and its fallbacks.
    let caller: ModelCaller
    let ledger: RunLedger
    /// Models that failed for good in this run.
    let health = ModelHealth()
    /// Message passing rounds; the final answers come in one more step.
    let rounds: Int
    let graph: AgentGraph
    let faults: [Int: InjectedFault]
    /// How neighbours' messages are quoted in the prompt; one random key for the run.
    let framing = MessageFraming()

    init(setup: AgentsNetRun, caller: ModelCaller, ledger: RunLedger, faults: [InjectedFault]) {
        self.setup = setup
        simulation = AgentsNetSimulation(problem: setup.problem, graph: setup.graph, seed: setup.seed)
        verifier = AgentsNetVerifier(simulation: simulation)
        self.caller = caller
        self.ledger = ledger
        rounds = setup.problem.rounds(on: setup.graph, localRounds: setup.localRounds)
        graph = Self.steps(of: setup.graph, rounds: rounds)
        self.faults = Dictionary(uniqueKeysWithValues: faults.map { ($0.agent, $0) })
    }

    var network: NetworkGraph { setup.graph }
    var policy: VerificationPolicy { setup.policy }
    var quarantinedAgentsAct: Bool { true }

    /// What an agent said in its latest turn, and the memory it carries into the next.
    struct Output: TurnOutput {
        /// Its latest recorded message; nil when the turn recorded none.
        var message: RunLedger.MessageKey?
        var response: String
        /// Its messages by receiver's name; nil when the reply held no JSON object of messages.
        var outgoing: [String: String]?
        /// Its final answer among the valid options (final step only).
        var answer: String?
        var checks: [CheckResult]
        /// The simulated algorithm's state after the turn.
        var state: AgentsNetSimulation.State
        /// The conversation with its model so far (real models).
        var conversation: [ChatMessage]
    }

    /// A neighbour's message as one receiver gets it.
    struct Inbound: InboundMessage {
        var sender: Int
        var message: RunLedger.MessageKey
        var text: String
        var claims: [String: String]
        var verdict: DeliveryVerdict
        var detail: String?

        var receipt: RunLedger.Receipt {
            RunLedger.Receipt(sender: sender, message: message, verdict: verdict, detail: detail)
        }
    }

    /// AgentsNet's rounds as steps of an agent graph: every agent acts in each of `rounds` + 1 steps (the last gives
    /// the final answers) and hears each neighbour.
    static func steps(of network: NetworkGraph, rounds: Int) -> AgentGraph {
        let agents = Array(network.agents.indices)
        let edges = agents.flatMap { receiver in network.neighbours[receiver].map { AgentGraph.Edge($0, receiver) } }
        return AgentGraph(
            agentCount: network.order,
            steps: (0...rounds).map { _ in AgentGraph.Step(active: agents, edges: edges) },
            aggregation: .vote,
            answeringAgents: agents
        )
    }

    /// What an agent's state is before its turn in a step: the state its last turn left, or its initial one.
    func state(of agent: Int, latest: Output?) -> AgentsNetSimulation.State {
        latest?.state ?? simulation.initialState(of: agent)
    }

    /// Each neighbour's latest message to `agent`, with its verdict under the policy; a verified message whose
    /// claims conflict with what the receiver knows (or with the other verified leaders) is disputed.
    func deliveries(to agent: Int, in step: AgentGraph.Step, latest: [Int: Output], quarantined: Set<Int>) -> [Inbound] {
        let name = network.agents[agent]
        var result: [Inbound] = []
        for sender in step.inputs(of: agent) {
            guard let output = latest[sender], let message = output.message else { continue }
            let text = output.outgoing?[name] ?? (output.outgoing == nil ? output.response : "")
            guard !text.isEmpty else { continue }
            let (verdict, detail) = DeliveryPlanner.verdict(of: output.checks, senderQuarantined: quarantined.contains(sender), policy: policy)
            result.append(
                Inbound(sender: sender, message: message, text: text, claims: AgentsNetMessages.claims(in: text), verdict: verdict, detail: detail)
            )
        }
        guard policy.checks else { return result }
        let own = state(of: agent, latest: latest[agent])
        let leaders = Set(result.filter { $0.verdict == .verified }.compactMap { $0.claims["leader"] })
        for index in result.indices where result[index].verdict == .verified {
            if let conflict = verifier.conflict(
                receiver: agent,
                sender: result[index].sender,
                own: own,
                claims: result[index].claims,
                otherLeaders: leaders
            ) {
                result[index].verdict = .disputed
                result[index].detail = conflict
            }
        }
        return result
    }
}
