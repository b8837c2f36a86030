import Foundation
import Orchestrator

/// The body of `POST /v1/chat/completions`, as far as the orchestrator reads it. Sampling fields meant for one
/// model (temperature, top_p, max_tokens) are accepted and ignored: the controller picks the models.
public struct ChatCompletionRequest: Decodable, Sendable {
    /// One chat message; `content` may be a string or a list of parts of which the text parts are read.
    public struct Message: Decodable, Sendable {
        public var role: String
        public var content: String

        enum CodingKeys: String, CodingKey { case role, content }

        struct Part: Decodable {
            var type: String
            var text: String?
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            if let text = try? container.decode(String.self, forKey: .content) {
                content = text
            } else if let parts = try? container.decode([Part].self, forKey: .content) {
                content = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined(separator: "\n")
            } else if try container.decodeNil(forKey: .content) {
                content = ""
            } else {
                throw DecodingError.dataCorruptedError(forKey: .content, in: container, debugDescription: "expected a string or a list of text parts")
            }
        }
    }

    /// Orchestrator-specific settings, in an extra `orchestrate` object.
    public struct Options: Decodable, Sendable {
        /// The expected answer, to score the run.
        public var expected: String?
        /// `number`, `choice`, `text` or `code`.
        public var answerKind: AnswerKind?
        public var domain: Domain?
        /// The number of agents.
        public var agents: Int?
        /// `off`, `check` or `check+quarantine` (default: the server's).
        public var verify: VerificationPolicy?
        /// When a cascade's next level runs: `lambda:λ`, `share:S` or `threshold:P` (default: the server's).
        public var escalate: String?
        public var maxCostUSD: Double?
        public var deadlineSeconds: Double?
        /// The task id recorded with the run (default: `chat-` and a digest of the query, so that the same question is
        /// the same task and a request's `seed` reproduces its run).
        public var taskID: String?

        enum CodingKeys: String, CodingKey {
            case expected, domain, agents, verify, escalate
            case answerKind = "answer_kind"
            case maxCostUSD = "max_cost_usd"
            case deadlineSeconds = "deadline_seconds"
            case taskID = "task_id"
        }
    }

    /// OpenAI's `stream_options`.
    public struct StreamOptions: Decodable, Sendable {
        /// Whether the stream ends with one more chunk carrying the usage (and orchestrate's run: cost, plan).
        public var includeUsage: Bool?

        enum CodingKeys: String, CodingKey {
            case includeUsage = "include_usage"
        }
    }

    /// `auto` (the controller chooses everything) or a topology's name.
    public var model: String
    public var messages: [Message]
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var n: Int?
    /// OpenAI's `seed`: the run's seed (default: random).
    public var seed: UInt64?
    public var orchestrate: Options?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, n, seed, orchestrate
        case streamOptions = "stream_options"
    }

    /// The query the agents get: the last user message, after the conversation before it, if any.
    public var query: String? {
        guard let last = messages.lastIndex(where: { $0.role == "user" }) else { return nil }
        let question = messages[last].content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty else { return nil }
        let context = messages[..<last].filter { !$0.content.isEmpty }
        guard !context.isEmpty else { return question }
        let transcript = context.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        return "Context:\n\(transcript)\n\nQuestion: \(question)"
    }
}
