import Foundation
import Logging

/// Runs a plan's agent graph step by step: the agents of a step concurrently, each message recorded
/// the moment its call ends, the budget checked before and after every step.
struct Executor: Sendable {
    let catalog: Catalog
    let providers: ProviderRegistry
    let store: TraceStore
    let gates: ModelGates
    let maxOutputTokens: Int
    let retryPolicy: RetryPolicy
    let logger: Logger

    /// Where one run stands; fixed for the run.
    struct RunContext: Sendable {
        var runID: String
        var agentSpanIDs: [String]
        var seed: UInt64
        var task: OrchestrationTask
        var plan: Plan
        var topology: Topology
        var graph: AgentGraph
        var deadline: ContinuousClock.Instant?
        /// Models that failed for good in this run.
        var health = ModelHealth()
    }

    /// The latest thing an agent said.
    struct AgentOutput: Sendable {
        var messageID: Int64
        var response: String
        var answer: String?
        /// The recorded judgement of a recorded outcome that keeps no answer text.
        var recordedCorrect: Bool?
    }

    /// The result of one agent's turn in a step, over all its attempts and fallbacks.
    struct CallResult: Sendable {
        var agent: Int
        var output: AgentOutput?
        var usage = TokenUsage()
        var costUSD = 0.0
        var error: String?
        var deadlineExceeded = false
        /// Model calls made, retries and fallbacks included.
        var calls = 0
        var retries = 0
        var fallbacks = 0
    }

    /// How execution ended.
    struct Outcome: Sendable {
        var status: RunStatus
        var answer: String?
        var stopReason: String?
        var error: String?
        var usage: TokenUsage
        var costUSD: Double
        var messageCount: Int
        var retries: Int
        var fallbacks: Int
        var latestAnswers: [Int: String]
        /// For recorded outcomes without answer text: whether the final answer was recorded as correct.
        var recordedCorrect: Bool?
    }

    /// Runs the graph. Throws only when the trace store cannot record.
    func execute(_ run: RunContext) async throws -> Outcome {
        var latest: [Int: AgentOutput] = [:]
        var usage = TokenUsage()
        var cost = 0.0
        var messageCount = 0
        var retries = 0
        var fallbacks = 0
        var firstError: String?
        var stopReason: String?

        for (stepIndex, step) in run.graph.steps.enumerated() {
            if let reason = budgetStop(before: stepIndex, step: step, run: run, latest: latest, spent: cost) {
                stopReason = reason
                break
            }
            let results = try await withThrowingTaskGroup(of: CallResult.self) { group in
                for agent in step.active {
                    let inputs = step.inputs(of: agent).compactMap { sender in latest[sender].map { (sender, $0) } }
                    let previous = latest[agent]
                    group.addTask {
                        try await act(agent: agent, step: stepIndex, inputs: inputs, previous: previous, run: run)
                    }
                }
                var results: [CallResult] = []
                for try await result in group {
                    results.append(result)
                }
                return results.sorted { $0.agent < $1.agent }
            }
            for result in results {
                usage = usage + result.usage
                cost += result.costUSD
                messageCount += result.calls
                retries += result.retries
                fallbacks += result.fallbacks
                if let output = result.output {
                    latest[result.agent] = output
                } else if firstError == nil {
                    firstError = result.error
                }
            }
            if let deadlineHit = results.first(where: \.deadlineExceeded) {
                stopReason =
                    "deadline of \(format(run.task.budget.deadlineSeconds ?? 0)) s reached during step \(stepIndex) (agent \(deadlineHit.agent))"
                break
            }
            if let limit = run.task.budget.maxCostUSD, cost > limit, stepIndex < run.graph.steps.count - 1 {
                stopReason = "cost $\(format(cost)) passed the budget of $\(format(limit)) after step \(stepIndex)"
                break
            }
        }

        let latestAnswers = latest.compactMapValues(\.answer)
        var answers = run.graph.answeringAgents.compactMap { latestAnswers[$0] }
        if answers.isEmpty {
            answers = latestAnswers.keys.sorted().compactMap { latestAnswers[$0] }
        }
        let answer = Aggregator.majority(of: answers)
        let answering = run.graph.answeringAgents.compactMap { latest[$0] }
        let judgements = (answering.isEmpty ? Array(latest.values) : answering).compactMap(\.recordedCorrect)
        let recordedCorrect = Aggregator.majority(of: judgements.map { $0 ? "correct" : "wrong" }).map { $0 == "correct" }
        let status: RunStatus
        if latest.isEmpty {
            status = stopReason == nil ? .failed : .stopped
        } else {
            status = stopReason == nil ? .completed : .stopped
        }
        let error = latest.isEmpty && stopReason == nil ? (firstError ?? "no agent produced a message") : firstError
        return Outcome(
            status: status,
            answer: answer,
            stopReason: stopReason,
            error: error,
            usage: usage,
            costUSD: cost,
            messageCount: messageCount,
            retries: retries,
            fallbacks: fallbacks,
            latestAnswers: latestAnswers,
            recordedCorrect: recordedCorrect
        )
    }

    /// Why the run must stop before a step, or nil to go on.
    private func budgetStop(before stepIndex: Int, step: AgentGraph.Step, run: RunContext, latest: [Int: AgentOutput], spent: Double) -> String? {
        if let deadline = run.deadline, ContinuousClock.now >= deadline {
            return "deadline of \(format(run.task.budget.deadlineSeconds ?? 0)) s reached before step \(stepIndex)"
        }
        guard let limit = run.task.budget.maxCostUSD else { return nil }
        var estimate = 0.0
        for agent in step.active {
            guard let model = catalog.fleet.model(named: run.plan.agents[agent].model) else { continue }
            let inputText = step.inputs(of: agent).compactMap { latest[$0]?.response }.joined()
            let promptTokens = TokenUsage.estimate(run.task.query + inputText) + 80
            let outputTokens = min(maxOutputTokens, model.simulation.map { $0.outputTokens * 5 / 4 + 1 } ?? maxOutputTokens)
            estimate += model.cost(promptTokens: promptTokens, completionTokens: outputTokens)
        }
        if spent + estimate > limit {
            return
                "budget of $\(format(limit)) would be passed by step \(stepIndex) (spent $\(format(spent)), step estimated at $\(format(estimate)))"
        }
        return nil
    }

    static func json(_ messages: [ChatMessage]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(messages)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    func format(_ value: Double) -> String {
        String(format: value < 0.01 ? "%.6f" : "%.4f", value)
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
