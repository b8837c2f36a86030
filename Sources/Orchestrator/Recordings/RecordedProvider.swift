/// Answers with what a real model answered, from recorded outcomes.
///
/// The fleet's `modelID` names the model as the dataset does (`gpt-4-1106-preview`). The call's task query is
/// looked up in the dataset: where the dataset kept the response text, that text is the reply; where it kept
/// only whether the model was right (MMLU), the reply says so and carries the judgement in
/// `ChatResponse.recordedCorrect`. Token counts and cost are the recorded ones where the recordings kept them
/// (the general format can); otherwise token counts are estimated from the prompt and the recorded response and
/// marked as estimated, and the fleet's prices apply. No time elapses: latency was not recorded.
public struct RecordedProvider: LLMProvider {
    /// The recorded outcomes answered from.
    public let outcomes: RecordedOutcomes

    public init(outcomes: RecordedOutcomes) {
        self.outcomes = outcomes
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let model = request.model
        guard outcomes.models.contains(model.modelID) else {
            let known = outcomes.models.sorted().joined(separator: ", ")
            throw ProviderError(
                kind: .misconfigured,
                model: model.name,
                message: "the recordings have no model '\(model.modelID)' (modelID in the fleet); they have: \(known)"
            )
        }
        guard let item = outcomes.item(for: request.context.query), let outcome = item.outcomes[model.modelID] else {
            throw ProviderError(
                kind: .unavailable,
                model: model.name,
                message: "no recorded outcome of '\(model.modelID)' for task \(request.context.taskID): its query is not in the recordings"
            )
        }
        let estimatedPrompt = request.messages.reduce(0) { $0 + TokenUsage.estimate($1.content) }
        let usage = TokenUsage(
            promptTokens: outcome.promptTokens ?? estimatedPrompt,
            completionTokens: outcome.completionTokens ?? outcome.response.map(TokenUsage.estimate) ?? 1,
            estimated: outcome.promptTokens == nil || outcome.completionTokens == nil
        )
        if let response = outcome.response {
            return ChatResponse(content: response, usage: usage, finishReason: "recorded", recordedCorrect: outcome.correct, costUSD: outcome.costUSD)
        }
        let content = """
            [recorded outcome of \(model.modelID) on \(item.id)] The dataset keeps only whether this model answered \
            correctly, not its answer: it answered \(outcome.correct ? "correctly" : "incorrectly").
            """
        return ChatResponse(content: content, usage: usage, finishReason: "recorded", recordedCorrect: outcome.correct, costUSD: outcome.costUSD)
    }
}
