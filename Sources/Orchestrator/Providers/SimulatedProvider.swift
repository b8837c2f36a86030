/// A simulated model for tests and offline demos. Every output it produces says it is simulated.
///
/// It is seeded and deterministic: the same model, task, role, agent, step and seed give the same reply.
/// Whether it is right is drawn from the model's accuracy for the task's domain, against the task's
/// expected answer; a wrong model makes its own consistent mistake. A numeric answer comes with one line of
/// working that arrives at it; for a share of wrong answers (`slipShare`) that line has the slip that caused
/// the mistake, as real responses do. With neighbours' messages in hand it weighs them by their verdicts (see
/// `neighbourAnswerToAdopt`) and adopts the winner with the model's conformity probability. Its latency really
/// elapses, and its token counts follow the prompt's length and the model's mean output length.
public struct SimulatedProvider: LLMProvider {
    public init() {}

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let model = request.model
        guard let profile = model.simulation else {
            throw ProviderError(kind: .misconfigured, model: model.name, message: "a simulated model needs a 'simulation' profile")
        }
        let context = request.context
        guard let hints = context.simulation else {
            throw ProviderError(kind: .misconfigured, model: model.name, message: "a simulated model was called without its simulation hints")
        }
        var random = SeededGenerator(
            seed: context.seed,
            labels: ["simulated", model.name, context.taskID, context.query, hints.role.name, String(context.agentIndex), String(context.step)]
        )
        let jitter = profile.latencyJitterMilliseconds * (2 * random.nextUnit() - 1)
        let latency = max(0, profile.latencyMilliseconds + jitter)
        if latency > 0 {
            try await Task.sleep(for: .milliseconds(latency))
        }

        let own = ownAnswer(model: model, profile: profile, context: context, hints: hints, random: &random)
        var answer = own.answer
        let adopted = Self.neighbourAnswerToAdopt(hints.neighbours, own: answer, conformity: profile.conformity, random: &random)
        if let adopted { answer = adopted }
        let slips = adopted == nil && !own.correct && hints.expected != nil && random.nextUnit() < profile.slipShare
        let reasoning =
            adopted != nil
            ? "Having read the other agents, I side with their answer."
            : "Working through the task on my own terms."
        let working = Self.working(for: answer, kind: context.answerKind, truth: slips ? hints.expected : nil)
        let content = """
            [simulated model \(model.name) as \(hints.role.name)] \(reasoning)\(working.map { "\n" + $0 } ?? "")
            Answer: \(answer)
            """
        let promptTokens = request.messages.reduce(0) { $0 + TokenUsage.estimate($1.content) }
        let completionTokens = min(request.maxTokens, max(1, Int(Double(profile.outputTokens) * (0.75 + 0.5 * random.nextUnit()))))
        return ChatResponse(
            content: content,
            usage: TokenUsage(promptTokens: promptTokens, completionTokens: completionTokens, estimated: false),
            finishReason: "stop"
        )
    }

    /// The answer the model reaches on its own, and whether it is the expected one.
    private func ownAnswer(
        model: ModelSpec,
        profile: SimulationProfile,
        context: CallContext,
        hints: SimulationHints,
        random: inout SeededGenerator
    ) -> (answer: String, correct: Bool) {
        let fit = hints.role.domain == context.domain ? 0.03 : 0
        let accuracy = min(1, profile.accuracy(for: context.domain) + fit)
        let correct = random.nextUnit() < accuracy
        var mistakes = SeededGenerator(seed: context.seed, labels: ["mistake", model.name, context.taskID, context.query])
        guard let expected = hints.expected else {
            return (Self.unknownTruthAnswer(kind: context.answerKind, random: &mistakes), false)
        }
        if correct {
            return (AnswerExtractor.normalise(expected.value, kind: expected.kind) ?? expected.value, true)
        }
        return (Self.wrongAnswer(to: expected, random: &mistakes), false)
    }

    /// The neighbours' answer the model switches to, if any. Under no verification every delivered answer
    /// counts, an emphatic one (a persuasive message) three times. A message marked unverified counts a third.
    /// When the receiver is told the answers are disputed it resolves the dispute by their checks: only
    /// messages that passed them count. The winner is adopted with the model's conformity probability.
    static func neighbourAnswerToAdopt(
        _ neighbours: [NeighbourMessage],
        own: String,
        conformity: Double,
        random: inout SeededGenerator
    ) -> String? {
        let disputed = neighbours.contains { $0.verdict == .disputed }
        var order: [String] = []
        var weights: [String: Double] = [:]
        for neighbour in neighbours where neighbour.verdict.isDelivered {
            guard let answer = neighbour.answer else { continue }
            let weight: Double
            switch neighbour.verdict {
            case .unverified: weight = disputed ? 0 : 1.0 / 3
            case .unchecked: weight = isEmphatic(neighbour.response ?? "") ? 3 : 1
            default: weight = 1
            }
            guard weight > 0 else { continue }
            if weights[answer] == nil { order.append(answer) }
            weights[answer, default: 0] += weight
        }
        guard let best = weights.values.max(), let winner = order.first(where: { weights[$0] == best }), winner != own else { return nil }
        return random.nextUnit() < conformity * min(1, best) ? winner : nil
    }

    /// Whether a message argues with insistence rather than working.
    static func isEmphatic(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return ["i am certain", "no room for doubt", "should adopt mine"].contains { lowered.contains($0) }
    }

    /// One line of shown working that arrives at a numeric answer: `42 + 35 = 77`. With `truth`, it is a slip:
    /// the operands are the true result's parts, the claimed result the wrong answer.
    static func working(for answer: String, kind: AnswerKind, truth: ExpectedAnswer?) -> String? {
        guard kind == .number, let value = AnswerExtractor.parseNumber(answer) else { return nil }
        let base = truth.flatMap { AnswerExtractor.parseNumber($0.value) } ?? value
        let first = (base * 0.6).rounded()
        return "\(AnswerExtractor.canonicalNumber(first)) + \(AnswerExtractor.canonicalNumber(base - first)) = \(answer)"
    }

    /// A plausible wrong answer of the same kind, different from the expected one.
    static func wrongAnswer(to expected: ExpectedAnswer, random: inout SeededGenerator) -> String {
        switch expected.kind {
        case .number:
            let value = AnswerExtractor.parseNumber(expected.value) ?? 0
            let spread = max(3, abs(value) * 0.5)
            var offset = (random.nextUnit() * 2 - 1) * spread
            offset = offset.rounded()
            if offset == 0 { offset = 1 }
            return AnswerExtractor.canonicalNumber(value + offset)
        case .choice:
            let right = AnswerExtractor.choiceLetter(expected.value) ?? "A"
            let letters = ["A", "B", "C", "D"].filter { $0 != right }
            return letters[Int(random.next() % UInt64(letters.count))]
        case .text, .code:
            return "unsure-\(StableHash.hex(random.next()).prefix(6))"
        }
    }

    /// A deterministic answer for a task with no expected answer: the simulation cannot know the truth.
    static func unknownTruthAnswer(kind: AnswerKind, random: inout SeededGenerator) -> String {
        switch kind {
        case .number: return String(random.next() % 100)
        case .choice: return ["A", "B", "C", "D"][Int(random.next() % 4)]
        case .text, .code: return "simulated-\(StableHash.hex(random.next()).prefix(6))"
        }
    }
}
