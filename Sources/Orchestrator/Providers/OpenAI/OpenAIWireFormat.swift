/// The JSON bodies of OpenAI's chat-completions protocol, as far as the orchestrator reads and writes them.
enum OpenAIWireFormat {
    /// A request body.
    struct Request: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        var model: String
        var messages: [Message]
        var maxTokens: Int
        var temperature: Double?
        var topP: Double?
        var stop: [String]?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stop
            case maxTokens = "max_tokens"
            case topP = "top_p"
        }
    }

    /// A response body; every field optional so that a missing one gets a clear error of our own.
    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
            }

            var message: Message?
            var text: String?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message, text
                case finishReason = "finish_reason"
            }
        }

        struct Usage: Decodable {
            var promptTokens: Int?
            var completionTokens: Int?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
            }
        }

        var choices: [Choice]?
        var usage: Usage?
    }

    /// An error body: `{"error": {"message": …}}`.
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var message: String?
            var type: String?
        }

        var error: Detail?
    }
}
