import Foundation
import Orchestrator

/// The reply to `POST /v1/chat/completions`: OpenAI's `chat.completion` object, the answer as the assistant's
/// message, and the run (id, plan, cost, verification) in an extra `orchestrate` field.
struct ChatCompletionResponse: Encodable {
    struct Choice: Encodable {
        struct Message: Encodable {
            var role = "assistant"
            var content: String
        }

        var index = 0
        var message: Message
        var finishReason: String

        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }
    }

    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }
    }

    /// What the orchestrator did.
    struct Details: Encodable {
        struct Agent: Encodable {
            var index: Int
            var role: String
            var model: String
            var answer: String?
        }

        var runID: String
        var status: String
        var stopReason: String?
        var topology: String?
        var agents: [Agent]
        var controllerVersion: String?
        var costUSD: Double
        var score: Double?
        var calls: Int
        var verification: RunResult.VerificationSummary
        /// A cascade's escalation decisions.
        var escalations: [EscalationDecision]
        var simulated: Bool
        var fleet: String

        /// What a finished run tells: the chat reply's `orchestrate` field, an MCP run's structured result.
        init(_ result: RunResult) {
            runID = result.runID
            status = result.status.rawValue
            stopReason = result.stopReason
            topology = result.plan?.topology
            agents = result.agentAnswers.map { Agent(index: $0.index, role: $0.role, model: $0.model, answer: $0.answer) }
            controllerVersion = result.plan?.controllerVersion
            costUSD = result.costUSD
            score = result.score
            calls = result.messageCount
            verification = result.verification
            escalations = result.escalations
            simulated = result.simulated
            fleet = result.fleet
        }

        enum CodingKeys: String, CodingKey {
            case status, topology, agents, score, calls, verification, escalations, simulated, fleet
            case runID = "run_id"
            case stopReason = "stop_reason"
            case controllerVersion = "controller_version"
            case costUSD = "cost_usd"
        }
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage
    var orchestrate: Details

    init(result: RunResult, model: String) {
        id = "chatcmpl-\(result.runID)"
        created = Int(Date().timeIntervalSince1970)
        self.model = model
        let finish = result.status == .stopped ? "length" : "stop"
        choices = [Choice(message: .init(content: result.answer ?? ""), finishReason: finish)]
        usage = Usage(
            promptTokens: result.usage.promptTokens,
            completionTokens: result.usage.completionTokens,
            totalTokens: result.usage.totalTokens
        )
        orchestrate = Details(result)
    }
}
