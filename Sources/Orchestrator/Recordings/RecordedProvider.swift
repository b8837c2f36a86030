/// Answers with what a real model answered, from recorded outcomes.
///
/// The fleet's `modelID` names the model as the dataset does (`gpt-4-1106-preview`). The call's task query is
/// looked up in the dataset: where the dataset kept the response text, that text is the reply; where it kept
/// only whether the model was right (MMLU), the reply is `noTextNotice` — the same words for a right and a wrong
/// answer, marked `textRecorded: false` so that nothing reads it — and the judgement travels only in
/// `ChatResponse.recordedCorrect`, for scoring. Token counts and cost are the recorded ones where the recordings kept them
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
        let usage = Self.usage(of: outcome, promptTokens: request.messages.reduce(0) { $0 + TokenUsage.estimate($1.content) })
        if let response = outcome.response {
            return ChatResponse(content: response, usage: usage, finishReason: "recorded", recordedCorrect: outcome.correct, costUSD: outcome.costUSD)
        }
        return ChatResponse(
            content: Self.noTextNotice,
            usage: usage,
            finishReason: "recorded",
            recordedCorrect: outcome.correct,
            costUSD: outcome.costUSD,
            textRecorded: false
        )
    }

    /// A recorded call's tokens: as recorded, else `promptTokens` (an estimate of the prompt) and an estimate of the
    /// response, marked estimated.
    static func usage(of outcome: RecordedOutcomes.Outcome, promptTokens: Int) -> TokenUsage {
        TokenUsage(
            promptTokens: outcome.promptTokens ?? promptTokens,
            completionTokens: outcome.completionTokens ?? outcome.response.map(TokenUsage.estimate) ?? 1,
            estimated: outcome.promptTokens == nil || outcome.completionTokens == nil
        )
    }

    /// The reply of a recorded outcome that kept no response text: the same for every outcome, right or wrong.
    public static let noTextNotice = "[recorded outcome without its text: the dataset kept only whether the answer was right]"

}
