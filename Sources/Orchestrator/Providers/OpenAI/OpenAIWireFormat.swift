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

    /// An embeddings request body.
    struct EmbeddingRequest: Encodable {
        var model: String
        var input: [String]
    }

    /// An embeddings response body: one vector per input, with its index.
    struct EmbeddingResponse: Decodable {
        struct Item: Decodable {
            /// The input's vector. A server without pooling (llama.cpp's for some models) sends one vector per
            /// token instead; those are averaged.
            var embedding: [Double]
            var index: Int?

            enum CodingKeys: String, CodingKey {
                case embedding, index
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                index = try container.decodeIfPresent(Int.self, forKey: .index)
                if let flat = try? container.decode([Double].self, forKey: .embedding) {
                    embedding = flat
                    return
                }
                let tokens = try container.decode([[Double]].self, forKey: .embedding)
                let width = tokens.first?.count ?? 0
                guard tokens.allSatisfy({ $0.count == width }) else {
                    throw DecodingError.dataCorruptedError(forKey: .embedding, in: container, debugDescription: "token vectors of different lengths")
                }
                var sum = [Double](repeating: 0, count: width)
                for token in tokens {
                    for dimension in 0..<width { sum[dimension] += token[dimension] }
                }
                embedding = sum.map { $0 / Double(max(1, tokens.count)) }
            }
        }

        var data: [Item]
    }
}
