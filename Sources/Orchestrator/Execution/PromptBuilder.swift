/// Builds the chat an agent receives: its role, the task, and the messages its neighbours sent it.
enum PromptBuilder {
    /// A neighbour's message as the receiver sees it.
    struct Input {
        var sender: PlannedAgent
        var response: String
        var verdict: String
    }

    static func messages(
        role: Role,
        task: OrchestrationTask,
        kind: AnswerKind,
        style: Topology.PromptStyle,
        inputs: [Input],
        ownPrevious: String?,
        examples: [FewShotExample] = []
    ) -> [ChatMessage] {
        var system = role.systemPrompt
        if style == .stepByStep {
            system += "\nThink step by step, writing each step on its own line."
        }
        system += "\n" + answerInstruction(kind)
        var user = "Task:\n\(task.query)"
        if let ownPrevious {
            user += "\n\nYour previous answer:\n\(ownPrevious)"
        }
        if !inputs.isEmpty {
            user += "\n\nMessages from other agents (verification status in brackets):"
            for input in inputs {
                user += "\n--- agent \(input.sender.index) (\(input.sender.role)) [\(input.verdict)]\n\(input.response)"
            }
            user += "\n\nWeigh these messages; do not adopt a claim you cannot check."
        }
        let shots = examples.flatMap {
            [ChatMessage(role: .user, content: "Task:\n\($0.user)"), ChatMessage(role: .assistant, content: $0.assistant)]
        }
        return [ChatMessage(role: .system, content: system)] + shots + [ChatMessage(role: .user, content: user)]
    }

    static func answerInstruction(_ kind: AnswerKind) -> String {
        switch kind {
        case .number: "End with a final line of the form 'Answer: <number>'."
        case .choice: "End with a final line of the form 'Answer: <letter>'."
        case .text: "End with a final line of the form 'Answer: <short answer>'."
        case .code: "Give your final code in one fenced code block."
        }
    }
}
