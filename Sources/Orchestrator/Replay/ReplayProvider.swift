import Foundation

/// Answers calls with the responses a stored run recorded, without calling any model.
///
/// A call from agent *a* at step *s* to model *m* gets the next unused successful response that agent *a* got
/// from *m* at step *s* (re-asks included, in recorded order). Failed attempts that came before it are passed
/// over (the replay does not wait out retries); when *m* only ever failed there, the call fails for good with the
/// recorded kind of error, so the executor falls back as the run did. A call the run never made (say, a re-ask
/// that only a stricter policy asks for) fails with `unavailable`, naming the agent, step and model.
public struct ReplayProvider: LLMProvider {
    /// The calls a replay asked for that the stored run never made.
    public struct Miss: Sendable, Equatable {
        public var agentIndex: Int
        public var step: Int
        public var model: String
    }

    private let ledger: Ledger

    /// A provider serving the responses of these stored messages.
    public init(messages: [MessageRecord]) {
        ledger = Ledger(messages: messages.filter { $0.purpose != MessagePurpose.fault.rawValue })
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let key = Ledger.Key(agent: request.context.agentIndex, step: request.context.step)
        switch await ledger.take(key, model: request.model.name) {
        case .response(let message):
            // A stored message with a judgement and no text was a recorded outcome that kept none.
            let textless = message.response == nil && message.recordedCorrect != nil
            return ChatResponse(
                content: message.response ?? (textless ? RecordedProvider.noTextNotice : ""),
                usage: TokenUsage(
                    promptTokens: message.promptTokens,
                    completionTokens: message.completionTokens,
                    estimated: message.tokensEstimated
                ),
                finishReason: message.finishReason,
                recordedCorrect: message.recordedCorrect,
                textRecorded: !textless
            )
        case .failure(let message):
            throw ProviderError(
                kind: message.errorKind.flatMap(ProviderError.Kind.init(rawValue:)) ?? .failed,
                model: request.model.name,
                message: "replayed failure: \(message.error ?? "the recorded call failed")",
                isRetryable: false,
                httpStatus: message.httpStatus
            )
        case .missing:
            throw ProviderError(
                kind: .unavailable,
                model: request.model.name,
                message: "the stored run made no call from agent \(key.agent) to \(request.model.name) at step \(key.step) to replay"
            )
        }
    }

    /// Calls asked for that the stored run never made, in the order they were asked.
    public var misses: [Miss] {
        get async { await ledger.misses }
    }

    /// Which recorded messages are still unused.
    actor Ledger {
        struct Key: Hashable {
            var agent: Int
            var step: Int
        }

        enum Outcome {
            case response(MessageRecord)
            case failure(MessageRecord)
            case missing
        }

        private var queues: [Key: [MessageRecord]]
        private(set) var misses: [Miss] = []

        init(messages: [MessageRecord]) {
            queues = Dictionary(grouping: messages) { Key(agent: $0.agentIndex, step: $0.step) }
        }

        func take(_ key: Key, model: String) -> Outcome {
            var queue = queues[key] ?? []
            if let index = queue.firstIndex(where: { $0.model == model && $0.error == nil && $0.response != nil }) {
                let message = queue.remove(at: index)
                // Attempts of the same model before it were its retries: spent with it.
                queue.removeAll { $0.model == model && $0.error != nil && ($0.id ?? 0) < (message.id ?? 0) }
                queues[key] = queue
                return .response(message)
            }
            if let index = queue.firstIndex(where: { $0.model == model }) {
                let message = queue[index]
                queue.removeAll { $0.model == model }
                queues[key] = queue
                return .failure(message)
            }
            misses.append(Miss(agentIndex: key.agent, step: key.step, model: model))
            return .missing
        }
    }
}
