/// Builds the chat an agent receives: its role, the task, and the messages its neighbours sent it, each quoted by
/// the run's `MessageFraming` so that no message can pose as another or carry a verdict of its own.
enum PromptBuilder {
    /// A neighbour's message as the receiver sees it.
    struct Input {
        var sender: PlannedAgent
        var response: String
        var answer: String?
        var verdict: DeliveryVerdict
        /// Why, for verdicts other than verified and unchecked.
        var detail: String?
    }

    static func messages(
        role: Role,
        task: OrchestrationTask,
        kind: AnswerKind,
        style: Topology.PromptStyle,
        inputs: [Input],
        ownPrevious: String?,
        examples: [FewShotExample] = [],
        framing: MessageFraming,
        receiver: Int,
        step: Int,
        briefInputs: Bool = false
    ) -> [ChatMessage] {
        var system = role.systemPrompt
        if style == .stepByStep {
            system += "\nThink step by step, writing each step on its own line."
        }
        system += "\n" + answerInstruction(kind)
        var user = "Task:\n\(task.query)"
        let shots = examples.flatMap {
            [ChatMessage(role: .user, content: "Task:\n\($0.user)"), ChatMessage(role: .assistant, content: $0.assistant)]
        }
        if briefInputs && ownPrevious == nil && (kind == .number || kind == .choice) {
            user += brief(inputs)
            return [ChatMessage(role: .system, content: system)] + shots + [ChatMessage(role: .user, content: user)]
        }
        if !inputs.isEmpty || ownPrevious != nil {
            user += "\n\n" + MessageFraming.explanation
        }
        if let ownPrevious {
            let boundary = framing.boundary("own", String(receiver), String(step))
            user += "\n\nYour previous answer:\n" + framing.quote(ownPrevious, header: "your previous answer", boundary: boundary)
        }
        if !inputs.isEmpty {
            user += "\n\nMessages from other agents:"
            for input in inputs {
                let status = input.detail.map { "\(input.verdict.rawValue): \($0)" } ?? input.verdict.rawValue
                let header = "agent \(input.sender.index) (\(input.sender.role)) [\(status)]"
                let boundary = framing.boundary(String(input.sender.index), String(receiver), String(step))
                user +=
                    "\n"
                    + (input.verdict.isDelivered
                        ? framing.quote(input.response, header: header, boundary: boundary)
                        : framing.notShown(header: header))
            }
            if let dispute = inputs.first(where: { $0.verdict == .disputed })?.detail {
                user +=
                    "\n\nDispute: the other agents disagree (\(UntrustedText.printable(dispute))). Resolve it by checking their working against the task; "
                user += "do not adopt an answer because several agents hold it."
            } else {
                user += "\n\nWeigh these messages; do not adopt a claim you cannot check."
            }
        }
        return [ChatMessage(role: .system, content: system)] + shots + [ChatMessage(role: .user, content: user)]
    }

    /// Earlier answers as a cascade's next level sees them: each the number or letter we extracted and the verdict
    /// of our checks with the first of their reasons, not the text (nothing a model wrote, so nothing to quote). Kept
    /// short: the dearer model's prompt is the costly part of an escalation, and on GSM8K every 30 tokens of it cost
    /// about 7% of a fresh GPT-4 call.
    static func brief(_ inputs: [Input]) -> String {
        guard !inputs.isEmpty else { return "" }
        let answers = inputs.map { input in
            let answer = input.verdict.isDelivered ? (input.answer ?? "no readable answer") : "withheld"
            let reason = input.detail.map { ": " + UntrustedText.printable(String(firstReason(of: $0).prefix(briefReasonLength))) } ?? ""
            return "agent \(input.sender.index) answered \(answer); our checks: \(input.verdict.rawValue)\(reason)"
        }
        return "\n\nA cheaper attempt was passed on to you (" + answers.joined(separator: " · ") + "). Solve the task yourself."
    }

    /// The most characters of a check's reason a brief shows.
    static let briefReasonLength = 100

    /// The first reason of a delivery's detail (`check: reason; check: reason`).
    static func firstReason(of detail: String) -> Substring {
        detail.split(separator: ";", maxSplits: 1).first ?? detail[...]
    }

    /// The follow-up after a reply with no readable answer: the reply, and a request for the answer line alone.
    static func reAsk(_ messages: [ChatMessage], reply: String, kind: AnswerKind) -> [ChatMessage] {
        let line =
            switch kind {
            case .number: "Answer: <number>"
            case .choice: "Answer: <letter>"
            case .text: "Answer: <short answer>"
            case .code: "your final code in one fenced code block"
            }
        return messages + [
            ChatMessage(role: .assistant, content: reply),
            ChatMessage(role: .user, content: "Your reply has no readable final answer. Reply with \(line) and nothing else."),
        ]
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
