import Foundation
import Logging

extension AgentsNetTurns {
    /// What a reply says, read once: its messages (or final answer) and what the checks find in it.
    struct Reading: Sendable {
        var outgoing: [String: String]?
        var answer: String?
        var checks: [CheckResult] = []
    }

    /// The verdicts a simulated agent's algorithm believes; an unverified message is shown to a real model, marked,
    /// but not believed by the algorithm.
    static let believedVerdicts: Set<DeliveryVerdict> = [.unchecked, .verified, .disputed]

    /// The role every agent of the run has, as recorded.
    var role: String { "agentsnet.\(setup.problem.rawValue)" }

    /// One agent's turn: its memory brought up to date with what it heard, then a faulty agent sends its fault, a
    /// simulated one runs its algorithm, a real model is called with the conversation so far. Every call is staged
    /// as it ends, the first with the deliveries the agent read. A reply that cannot be read gets one re-ask when
    /// the policy checks.
    func turn(agent: Int, step round: Int, inbound: [Inbound], previous: Output?) async throws -> TurnResult<Output> {
        var state = state(of: agent, latest: previous)
        if round > 0 {
            let heard = inbound.filter { Self.believedVerdicts.contains($0.verdict) }
            state = simulation.update(
                agent,
                state: state,
                heard: Dictionary(uniqueKeysWithValues: heard.map { ($0.sender, $0.claims) }),
                cut: Set(inbound.filter { !Self.believedVerdicts.contains($0.verdict) }.map(\.sender))
            )
        }
        let conversation =
            previous?.conversation
            ?? [
                ChatMessage(
                    role: .system,
                    content: AgentsNetPrompts.system(setup.problem, graph: network, agent: agent, rounds: rounds, simulation: simulation)
                )
            ]
        var output = Output(message: nil, response: "", outgoing: nil, answer: nil, checks: [], state: state, conversation: conversation)
        if faults[agent] != nil || setup.model.provider == .simulated {
            return scriptedTurn(agent: agent, round: round, inbound: inbound, output: output)
        }

        let final = round == rounds
        let valid = setup.problem.validAnswers(of: agent, on: network)
        let ask =
            round == 0
            ? AgentsNetPrompts.firstRound()
            : AgentsNetPrompts.round(
                inbound,
                graph: network,
                roundsLeft: rounds - round,
                final: final,
                valid: valid,
                problem: setup.problem,
                framing: framing,
                receiver: agent,
                round: round
            )
        var result = TurnResult<Output>(agent: agent)
        var receipts = inbound.map(\.receipt)
        let messages = conversation + [ask]
        let answered = try await call(messages, purpose: .turn, agent: agent, round: round, receipts: &receipts, output: &output, result: &result)
        if answered && policy.checks && Executor.needsReAsk(output.checks) {
            let costBefore = result.costUSD
            let again = messages + [ChatMessage(role: .assistant, content: output.response), AgentsNetPrompts.reAsk(final: final, valid: valid)]
            _ = try await call(again, purpose: .reAsk, agent: agent, round: round, receipts: &receipts, output: &output, result: &result)
            result.verificationCalls += 1
            result.verificationCostUSD += result.costUSD - costBefore
        }
        result.output = output
        return result
    }

    /// Reads a reply of `agent`: its final answer among the valid options in the last step, its messages before;
    /// checked when the policy checks.
    func read(_ text: String, agent: Int, final: Bool) -> Reading {
        guard final else {
            let outgoing = AgentsNetMessages.outgoing(in: text)
            return Reading(outgoing: outgoing, checks: policy.checks ? verifier.check(sender: agent, outgoing: outgoing) : [])
        }
        let answer = AgentsNetMessages.finalAnswer(in: text, valid: setup.problem.validAnswers(of: agent, on: network))
        guard policy.checks else { return Reading(answer: answer) }
        let check =
            answer.map { CheckResult(check: .format, outcome: .passed, detail: "answer \($0)") }
            ?? CheckResult(check: .format, outcome: .failed, detail: "no final answer among the valid options")
        return Reading(answer: answer, checks: [check])
    }

    /// A faulty or simulated agent's turn: no model is called. Simulated agents are paid for as if the exchange were
    /// real text; asked again, a scripted agent says the same.
    private func scriptedTurn(agent: Int, round: Int, inbound: [Inbound], output: Output) -> TurnResult<Output> {
        let fault = faults[agent]
        let text = scriptedReply(agent: agent, final: round == rounds, fault: fault, state: output.state)
        var row = MessageRecord(
            runID: ledger.runID,
            step: round,
            agentIndex: agent,
            role: role,
            model: setup.model.name,
            provider: fault == nil ? setup.model.provider.rawValue : Executor.faultProvider,
            promptJSON: Executor.json([PromptsForTrace.inbound(inbound, graph: network)]),
            parentSpanID: ledger.agentSpanID(agent),
            purpose: fault == nil ? .turn : .fault
        )
        var result = TurnResult<Output>(agent: agent)
        if fault == nil {
            let usage = TokenUsage(
                promptTokens: TokenUsage.estimate(row.promptJSON) + 150,
                completionTokens: TokenUsage.estimate(text),
                estimated: true
            )
            row.promptTokens = usage.promptTokens
            row.completionTokens = usage.completionTokens
            row.tokensEstimated = true
            row.costUSD = setup.model.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
            result.usage = usage
            result.costUSD = row.costUSD
        }
        let reading = read(text, agent: agent, final: round == rounds)
        row.response = text
        row.answer = reading.answer
        var message = ledger.stage(row, receipts: inbound.map(\.receipt), checks: reading.checks)
        result.calls = 1
        if policy.checks && Executor.needsReAsk(reading.checks) {
            var again = row
            again.spanID = TraceIDs.spanID()
            again.purpose = MessagePurpose.reAsk.rawValue
            again.costUSD = 0
            message = ledger.stage(again, receipts: [], checks: reading.checks)
            result.calls += 1
            result.verificationCalls += 1
        }
        var output = output
        output.message = message
        output.response = text
        output.outgoing = reading.outgoing
        output.answer = reading.answer
        output.checks = reading.checks
        result.output = output
        return result
    }

    /// What a faulty or simulated agent writes.
    private func scriptedReply(agent: Int, final: Bool, fault: InjectedFault?, state: AgentsNetSimulation.State) -> String {
        if final {
            // A faulty agent lies in its messages, not in its own answer.
            return "### Final Answer ### \(simulation.answer(of: agent, state: state))"
        }
        if fault?.kind == .garbage {
            return "~~ ⁂ static on the line ⁂ ~~ [[[ no signal ]]] ~~"
        }
        var messages: [String: String] = [:]
        for neighbour in network.neighbours[agent] {
            messages[network.agents[neighbour]] =
                fault.map { simulation.faultyClaims($0.kind, of: agent, to: neighbour, state: state) }
                ?? simulation.claims(of: agent, state: state)
        }
        return AgentsNetMessages.render(messages)
    }

    /// Calls the run's model through the `ModelCaller` (its gates, rate limit, retries, fallbacks and health),
    /// staging every attempt as it ends (the first with `receipts`). The reply that answered, if any, becomes the
    /// agent's output and extends its conversation; returns whether one did.
    private func call(
        _ messages: [ChatMessage],
        purpose: MessagePurpose,
        agent: Int,
        round: Int,
        receipts: inout [RunLedger.Receipt],
        output: inout Output,
        result: inout TurnResult<Output>
    ) async throws -> Bool {
        let final = round == rounds
        let context = CallContext(
            taskID: ledger.runID,
            query: messages.last?.content ?? "",
            domain: .general,
            answerKind: .text,
            expected: nil,
            role: Role(name: role, domain: .general, description: "AgentsNet agent", systemPrompt: messages.first?.content ?? ""),
            agentIndex: agent,
            step: round,
            seed: 0
        )
        var pending = receipts
        let call = try await caller.call(
            candidates: caller.fleet.models.map(\.name),
            messages: { _ in messages },
            context: context,
            deadline: nil,
            health: health,
            metadata: ["run": "\(ledger.runID)", "agent": "\(agent)"]
        ) { attempt in
            let reading = attempt.response.map { read($0.content, agent: agent, final: final) }
            let message = ledger.record(
                attempt,
                agent: agent,
                step: round,
                role: role,
                purpose: purpose,
                answer: reading?.answer,
                checks: reading?.checks ?? [],
                receipts: pending
            )
            pending = []
            return (message: message, reading: reading ?? Reading())
        }
        receipts = pending
        result.add(call)
        guard let (attempt, recorded) = call.answered else {
            result.error = call.error
            return false
        }
        let reply = attempt.response?.content ?? ""
        output.message = recorded.message
        output.response = reply
        output.outgoing = recorded.reading.outgoing
        output.answer = recorded.reading.answer
        output.checks = recorded.reading.checks
        output.conversation = attempt.messages + [ChatMessage(role: .assistant, content: reply)]
        return true
    }
}

/// How the messages a simulated agent read are kept in the trace.
enum PromptsForTrace {
    static func inbound(_ inbound: [AgentsNetTurns.Inbound], graph: NetworkGraph) -> ChatMessage {
        let lines = inbound.map { "\(graph.agents[$0.sender]) [\($0.verdict.rawValue)]: \($0.verdict.isDelivered ? $0.text : "(not shown)")" }
        return ChatMessage(role: .user, content: lines.isEmpty ? "(no messages)" : lines.joined(separator: "\n"))
    }
}
