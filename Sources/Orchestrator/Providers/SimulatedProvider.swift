/// A simulated model for tests and offline demos. Every output it produces says it is simulated.
///
/// It is seeded and deterministic: the same model, task, role, agent, step and seed give the same reply.
/// Whether it is right is drawn from the model's accuracy for the task's domain, against the task's
/// expected answer; a wrong model makes its own consistent mistake. With neighbours' answers in hand it
/// adopts their majority with the model's conformity probability. Its latency really elapses, and its
/// token counts follow the prompt's length and the model's mean output length.
public struct SimulatedProvider: LLMProvider {
    public init() {}

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let model = request.model
        guard let profile = model.simulation else {
            throw ProviderError(kind: .misconfigured, model: model.name, message: "a simulated model needs a 'simulation' profile")
        }
        let context = request.context
        var random = SeededGenerator(
            seed: context.seed,
            labels: ["simulated", model.name, context.taskID, context.query, context.role.name, String(context.agentIndex), String(context.step)]
        )
        let jitter = profile.latencyJitterMilliseconds * (2 * random.nextUnit() - 1)
        let latency = max(0, profile.latencyMilliseconds + jitter)
        if latency > 0 {
            try await Task.sleep(for: .milliseconds(latency))
        }

        var answer = ownAnswer(model: model, profile: profile, context: context, random: &random)
        let majority = Aggregator.majority(of: context.neighbourAnswers)
        var adopted = false
        if let majority, majority != answer, random.nextUnit() < profile.conformity {
            answer = majority
            adopted = true
        }
        let reasoning =
            adopted
            ? "Having read the other agents, I side with their majority."
            : "Working through the task on my own terms."
        let content = """
            [simulated model \(model.name) as \(context.role.name)] \(reasoning)
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

    private func ownAnswer(model: ModelSpec, profile: SimulationProfile, context: CallContext, random: inout SeededGenerator) -> String {
        let fit = context.role.domain == context.domain ? 0.03 : 0
        let accuracy = min(1, profile.accuracy(for: context.domain) + fit)
        let correct = random.nextUnit() < accuracy
        var mistakes = SeededGenerator(seed: context.seed, labels: ["mistake", model.name, context.taskID, context.query])
        guard let expected = context.expected else {
            return Self.unknownTruthAnswer(kind: context.answerKind, random: &mistakes)
        }
        if correct {
            return AnswerExtractor.normalise(expected.value, kind: expected.kind) ?? expected.value
        }
        return Self.wrongAnswer(to: expected, random: &mistakes)
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
