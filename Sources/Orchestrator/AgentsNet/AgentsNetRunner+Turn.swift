import Foundation
import Logging

extension AgentsNetRunner {
    /// Where one agent stands when it takes its turn.
    struct TurnContext: Sendable {
        var agent: Int
        var round: Int
        var final: Bool
        var inbound: [Inbound]
        var state: AgentsNetSimulation.State
        var conversation: [ChatMessage]
        var fault: InjectedFault?
        var parentSpanID: String
        /// How neighbours' messages are quoted in the prompt; one random key for the run.
        var framing: MessageFraming
    }

    /// One agent's turn: a faulty agent sends its fault, a simulated one runs its algorithm, a real model is
    /// called with the conversation so far. A reply that cannot be read gets one re-ask when the policy checks.
    func act(
        _ context: TurnContext,
        setup: AgentsNetRun,
        simulation: AgentsNetSimulation,
        verifier: AgentsNetVerifier,
        kernel: Kernel
    ) async throws -> Turn {
        let runID = kernel.ledger.runID
        let graph = simulation.graph
        let agent = context.agent
        let valid = setup.problem.validAnswers(of: agent, on: graph)
        var row = MessageRecord(
            runID: runID,
            step: context.round,
            agentIndex: agent,
            role: "agentsnet.\(setup.problem.rawValue)",
            model: setup.model.name,
            provider: setup.model.provider.rawValue,
            promptJSON: "[]",
            parentSpanID: context.parentSpanID,
            purpose: .turn
        )
        var turn = Turn(agent: agent, response: "", outgoing: nil, answer: nil, rows: [], checks: [])

        if context.fault != nil || setup.model.provider == .simulated {
            let text = scriptedReply(context, simulation: simulation)
            row.provider = context.fault == nil ? setup.model.provider.rawValue : Executor.faultProvider
            row.purpose = (context.fault == nil ? MessagePurpose.turn : .fault).rawValue
            row.promptJSON = Executor.json([PromptsForTrace.inbound(context.inbound, graph: graph)])
            if context.fault == nil {
                // Simulated agents are paid for as if the exchange were real text.
                let usage = TokenUsage(
                    promptTokens: TokenUsage.estimate(row.promptJSON) + 150,
                    completionTokens: TokenUsage.estimate(text),
                    estimated: true
                )
                row.promptTokens = usage.promptTokens
                row.completionTokens = usage.completionTokens
                row.tokensEstimated = true
                row.costUSD = setup.model.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
                turn.usage = usage
                turn.costUSD = row.costUSD
            }
            accept(text, into: &turn, row: &row, final: context.final, valid: valid)
            turn.checks = checks(of: turn, final: context.final, setup: setup, verifier: verifier)
            turn.rows.append(row)
            turn.calls = 1
            if setup.policy.checks && Executor.needsReAsk(turn.checks) {
                // Asked again, a faulty or scripted agent says the same.
                var again = row
                again.spanID = TraceIDs.spanID()
                again.purpose = MessagePurpose.reAsk.rawValue
                again.costUSD = 0
                turn.rows.append(again)
                turn.calls += 1
                turn.verificationCalls += 1
            }
            return turn
        }

        let ask =
            context.round == 0
            ? AgentsNetPrompts.firstRound()
            : AgentsNetPrompts.round(
                context.inbound,
                graph: graph,
                roundsLeft: simulation.problem.rounds(on: graph, localRounds: setup.localRounds) - context.round,
                final: context.final,
                valid: valid,
                problem: setup.problem,
                framing: context.framing,
                receiver: agent,
                round: context.round
            )
        let messages = context.conversation + [ask]
        try await call(messages, purpose: .turn, row: &row, turn: &turn, final: context.final, valid: valid, kernel: kernel)
        turn.checks = checks(of: turn, final: context.final, setup: setup, verifier: verifier)
        if setup.policy.checks && Executor.needsReAsk(turn.checks), let reply = row.response {
            var again = row
            let costBefore = turn.costUSD
            try await call(
                messages + [ChatMessage(role: .assistant, content: reply), AgentsNetPrompts.reAsk(final: context.final, valid: valid)],
                purpose: .reAsk,
                row: &again,
                turn: &turn,
                final: context.final,
                valid: valid,
                kernel: kernel
            )
            turn.verificationCalls += 1
            turn.verificationCostUSD += turn.costUSD - costBefore
            turn.checks = checks(of: turn, final: context.final, setup: setup, verifier: verifier)
        }
        return turn
    }

    /// What a faulty or simulated agent writes.
    private func scriptedReply(_ context: TurnContext, simulation: AgentsNetSimulation) -> String {
        let graph = simulation.graph
        let agent = context.agent
        if context.final {
            // A faulty agent lies in its messages, not in its own answer.
            return "### Final Answer ### \(simulation.answer(of: agent, state: context.state))"
        }
        if context.fault?.kind == .garbage {
            return "~~ ⁂ static on the line ⁂ ~~ [[[ no signal ]]] ~~"
        }
        var messages: [String: String] = [:]
        for neighbour in graph.neighbours[agent] {
            messages[graph.agents[neighbour]] =
                context.fault.map { simulation.faultyClaims($0.kind, of: agent, to: neighbour, state: context.state) }
                ?? simulation.claims(of: agent, state: context.state)
        }
        return AgentsNetMessages.render(messages)
    }

    /// Reads a reply into the turn and its row.
    private func accept(_ text: String, into turn: inout Turn, row: inout MessageRecord, final: Bool, valid: [String]) {
        row.response = text
        turn.response = text
        if final {
            turn.answer = AgentsNetMessages.finalAnswer(in: text, valid: valid)
            row.answer = turn.answer
        } else {
            turn.outgoing = AgentsNetMessages.outgoing(in: text)
        }
    }

    private func checks(of turn: Turn, final: Bool, setup: AgentsNetRun, verifier: AgentsNetVerifier) -> [CheckResult] {
        guard setup.policy.checks else { return [] }
        if final {
            return [
                turn.answer == nil
                    ? CheckResult(check: .format, outcome: .failed, detail: "no final answer among the valid options")
                    : CheckResult(check: .format, outcome: .passed, detail: "answer \(turn.answer ?? "")")
            ]
        }
        return verifier.check(sender: turn.agent, outgoing: turn.outgoing)
    }

    /// Calls a real model through the run's `ModelCaller` (its gates, rate limit, retries and health) and keeps
    /// every attempt as a row of the turn; `row` becomes the row of the attempt that answered, or of the last one.
    private func call(
        _ messages: [ChatMessage],
        purpose: MessagePurpose,
        row: inout MessageRecord,
        turn: inout Turn,
        final: Bool,
        valid: [String],
        kernel: Kernel
    ) async throws {
        let context = CallContext(
            taskID: row.runID,
            query: messages.last?.content ?? "",
            domain: .general,
            answerKind: .text,
            expected: nil,
            role: Role(name: row.role, domain: .general, description: "AgentsNet agent", systemPrompt: messages.first?.content ?? ""),
            agentIndex: row.agentIndex,
            step: row.step,
            seed: 0
        )
        let (agent, step, role) = (row.agentIndex, row.step, row.role)
        var rows: [MessageRecord] = []
        let outcome = try await kernel.caller.call(
            candidates: kernel.caller.fleet.models.map(\.name),
            messages: { _ in messages },
            context: context,
            deadline: nil,
            health: kernel.health,
            metadata: ["run": "\(row.runID)", "agent": "\(agent)"]
        ) { attempt in
            rows.append(kernel.ledger.row(attempt, agent: agent, step: step, role: role, purpose: purpose, answer: nil))
        }
        for var attemptRow in rows {
            if attemptRow.response != nil {
                accept(attemptRow.response ?? "", into: &turn, row: &attemptRow, final: final, valid: valid)
            }
            turn.rows.append(attemptRow)
            row = attemptRow
        }
        turn.calls += outcome.calls
        turn.usage = turn.usage + outcome.usage
        turn.costUSD += outcome.costUSD
    }
}

/// How the messages a simulated agent read are kept in the trace.
enum PromptsForTrace {
    static func inbound(_ inbound: [AgentsNetRunner.Inbound], graph: NetworkGraph) -> ChatMessage {
        let lines = inbound.map { "\(graph.agents[$0.sender]) [\($0.verdict.rawValue)]: \($0.verdict.isDelivered ? $0.text : "(not shown)")" }
        return ChatMessage(role: .user, content: lines.isEmpty ? "(no messages)" : lines.joined(separator: "\n"))
    }
}
