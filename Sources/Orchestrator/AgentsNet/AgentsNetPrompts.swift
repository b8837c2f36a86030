/// The prompts of AgentsNet's protocol, in our words: the rules, each round's messages, the final question.
enum AgentsNetPrompts {
    static func system(_ problem: AgentsNetProblem, graph: NetworkGraph, agent: Int, rounds: Int, simulation: AgentsNetSimulation) -> String {
        let neighbours = graph.neighbours[agent].map { graph.agents[$0] }
        var identity = "Your name is \(graph.agents[agent]) and your identifier is \(AnswerExtractor.canonicalNumber(simulation.ranks[agent]))."
        if problem == .consensus { identity += " Your initial value is \(simulation.bits[agent])." }
        let example = neighbours.prefix(2).map { "\"\($0)\": \"Message for \($0).\"" }.joined(separator: ", ")
        return """
            You are an agent in a network of \(graph.order) agents. You can talk only to your neighbours: \(neighbours.joined(separator: ", ")). \
            \(problem.goal)
            \(identity)
            Messages are exchanged in \(rounds) synchronous rounds: in each round you read your neighbours' last messages and then write \
            yours, which they read in the next round. Think step by step, then write your messages as one JSON object keyed by neighbour \
            name, for example {\(example)}. You may leave a neighbour out. Messages from neighbours come with a verification status; \
            do not rely on a claim marked unverified, withheld or disputed without checking it.
            After the last round you will answer: \(problem.question(on: graph))
            """
    }

    static func firstRound() -> ChatMessage {
        ChatMessage(
            role: .user,
            content: "What are the first messages you want to send to your neighbours? Answer with the JSON object of your messages."
        )
    }

    static func round(
        _ inbound: [AgentsNetTurns.Inbound],
        graph: NetworkGraph,
        roundsLeft: Int,
        final: Bool,
        valid: [String],
        problem: AgentsNetProblem,
        framing: MessageFraming,
        receiver: Int,
        round: Int
    ) -> ChatMessage {
        var text = final ? "Message passing has finished. The last messages you got:\n" : "Messages from your neighbours:\n"
        if !inbound.isEmpty { text += MessageFraming.explanation + "\n" }
        for message in inbound {
            let status = message.detail.map { "\(message.verdict.rawValue): \($0)" } ?? message.verdict.rawValue
            let header = "\(graph.agents[message.sender]) [\(status)]"
            let boundary = framing.boundary(String(message.sender), String(receiver), String(round))
            text +=
                "\n"
                + (message.verdict.isDelivered ? framing.quote(message.text, header: header, boundary: boundary) : framing.notShown(header: header))
                + "\n"
        }
        if inbound.isEmpty { text += "\n(no messages)\n" }
        if final {
            text +=
                "\n\(problem.question(on: graph)) Think step by step, then give your answer as '### Final Answer ###' followed by exactly one of: \(valid.joined(separator: ", "))."
        } else {
            text += "\nYou have \(roundsLeft) round\(roundsLeft == 1 ? "" : "s") of messages left. Answer with the JSON object of your next messages."
        }
        return ChatMessage(role: .user, content: text)
    }

    static func reAsk(final: Bool, valid: [String]) -> ChatMessage {
        let content =
            final
            ? "Your answer could not be read. Reply with '### Final Answer ###' followed by exactly one of: \(valid.joined(separator: ", "))."
            : "Your messages could not be read as a JSON object keyed by neighbour name. Reply with that JSON object only."
        return ChatMessage(role: .user, content: content)
    }
}
