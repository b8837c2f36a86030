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
    }

    /// The latest thing an agent said.
    struct AgentOutput: Sendable {
        var messageID: Int64
        var response: String
        var answer: String?
    }

    /// The result of one agent's call in a step.
    struct CallResult: Sendable {
        var agent: Int
        var output: AgentOutput?
        var usage: TokenUsage
        var costUSD: Double
        var error: String?
        var deadlineExceeded: Bool
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
        var latestAnswers: [Int: String]
    }

    /// Runs the graph. Throws only when the trace store cannot record.
    func execute(_ run: RunContext) async throws -> Outcome {
        var latest: [Int: AgentOutput] = [:]
        var usage = TokenUsage()
        var cost = 0.0
        var messageCount = 0
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
                messageCount += 1
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
            latestAnswers: latestAnswers
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

    /// One agent's call in one step, recorded as soon as it ends.
    private func act(agent: Int, step: Int, inputs: [(Int, AgentOutput)], previous: AgentOutput?, run: RunContext) async throws -> CallResult {
        let planned = run.plan.agents[agent]
        guard let role = catalog.role(named: planned.role), let model = catalog.fleet.model(named: planned.model) else {
            return CallResult(
                agent: agent,
                output: nil,
                usage: TokenUsage(),
                costUSD: 0,
                error: "agent \(agent): role or model missing from the catalogue",
                deadlineExceeded: false
            )
        }
        let kind = run.task.answerKind
        let promptInputs = inputs.map { sender, output in
            PromptBuilder.Input(sender: run.plan.agents[sender], response: output.response, verdict: "unchecked")
        }
        let messages = PromptBuilder.messages(
            role: role,
            task: run.task,
            kind: kind,
            style: run.topology.style,
            inputs: promptInputs,
            ownPrevious: previous?.response
        )
        let context = CallContext(
            taskID: run.task.id,
            query: run.task.query,
            domain: run.plan.domain,
            answerKind: kind,
            expected: run.task.expected,
            role: role,
            agentIndex: agent,
            step: step,
            neighbourAnswers: inputs.compactMap { $0.1.answer },
            seed: run.seed
        )
        let request = ChatRequest(model: model, messages: messages, maxTokens: maxOutputTokens, context: context)
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        var response: ChatResponse?
        var failure: String?
        var deadlineExceeded = false
        do {
            let provider = try providers.provider(for: model)
            let gate = await gates.gate(for: model)
            response = try await Self.withDeadline(run.deadline) {
                if let gate {
                    return try await gate.withPermit { try await provider.complete(request) }
                }
                return try await provider.complete(request)
            }
        } catch is DeadlineExceeded {
            deadlineExceeded = true
            failure = "deadline exceeded while waiting for \(model.name)"
        } catch {
            failure = "\(error)"
        }
        let latency = (clock.now - start).milliseconds
        let usage = response?.usage ?? TokenUsage(promptTokens: 0, completionTokens: 0, estimated: false)
        let cost = model.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
        let answer = response.flatMap { AnswerExtractor.extract(from: $0.content, kind: kind) }
        let record = MessageRecord(
            id: nil,
            runID: run.runID,
            step: step,
            agentIndex: agent,
            role: role.name,
            model: model.name,
            provider: model.provider.rawValue,
            promptJSON: Self.json(messages),
            response: response?.content,
            answer: answer,
            promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens,
            tokensEstimated: usage.estimated,
            costUSD: cost,
            latencyMilliseconds: latency,
            attempt: 1,
            error: failure,
            startedAt: startedAt,
            finishedAt: Date(),
            spanID: TraceIDs.spanID(),
            parentSpanID: run.agentSpanIDs[agent]
        )
        let deliveries = inputs.map { sender, output in
            DeliveryRecord(
                id: nil,
                runID: run.runID,
                messageID: output.messageID,
                senderIndex: sender,
                receiverIndex: agent,
                step: step,
                verdict: "unchecked"
            )
        }
        let messageID = try await store.recordMessage(record, deliveries: deliveries)
        if let failure {
            logger.warning(
                "agent call failed",
                metadata: ["run": "\(run.runID)", "agent": "\(agent)", "model": "\(model.name)", "error": "\(failure)"]
            )
        }
        let output = response.map { AgentOutput(messageID: messageID, response: $0.content, answer: answer) }
        return CallResult(agent: agent, output: output, usage: usage, costUSD: cost, error: failure, deadlineExceeded: deadlineExceeded)
    }

    struct DeadlineExceeded: Error {}

    /// Runs an operation, throwing `DeadlineExceeded` (and cancelling it) if the deadline passes first.
    static func withDeadline<T: Sendable>(
        _ deadline: ContinuousClock.Instant?,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let deadline else { return try await operation() }
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DeadlineExceeded() }
            return first
        }
    }

    static func json(_ messages: [ChatMessage]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(messages)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    private func format(_ value: Double) -> String {
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
