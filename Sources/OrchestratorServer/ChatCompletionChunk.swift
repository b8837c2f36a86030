import Foundation
import Orchestrator

/// One server-sent event of a streamed `POST /v1/chat/completions`: OpenAI's `chat.completion.chunk`. Progress
/// chunks carry an empty delta and the agent that just finished in the `orchestrate` extension; then one chunk
/// carries the answer as content, and the last its finish reason, the usage and the run's details.
struct ChatCompletionChunk: Encodable {
    struct Choice: Encodable {
        struct Delta: Encodable {
            var role: String?
            var content: String?
        }

        var index = 0
        var delta: Delta
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta
            case finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)  // null until the last chunk, as OpenAI sends it
        }
    }

    /// What the `orchestrate` extension of a chunk tells: an agent's finished turn, or the whole run at the end.
    struct Extension: Encodable {
        var progress: AgentProgress?
        var run: ChatCompletionResponse.Details?
    }

    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: ChatCompletionResponse.Usage?
    var orchestrate: Extension?

    /// What every chunk of one stream shares.
    struct Stamp: Sendable {
        var id: String
        var created: Int
        var model: String

        /// A chunk of this stream with one choice.
        func chunk(_ delta: Choice.Delta, finish: String? = nil) -> ChatCompletionChunk {
            ChatCompletionChunk(id: id, created: created, model: model, choices: [Choice(delta: delta, finishReason: finish)])
        }
    }

    /// The chunk as one server-sent event.
    func event() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return "data: " + String(decoding: try encoder.encode(self), as: UTF8.self) + "\n\n"
    }
}
