import Foundation
import Logging

extension Executor {
    /// What one attempt at a call produced.
    struct Attempt {
        var response: ChatResponse?
        var error: (any Error)?
        var deadlineExceeded = false
        var latencyMilliseconds: Double
        var startedAt: Date
    }

    /// One agent's turn in one step. Its neighbours' messages arrive with their verdicts (withheld ones as a
    /// notice only). Its model is called, retried on retryable failures and, when it still fails, replaced by
    /// the next model the controller ranked; its reply is checked under the run's policy, with one re-ask when
    /// it has no readable answer. A faulty agent sends its fault instead of calling a model. Every attempt is
    /// recorded the moment it ends, with what was decided next (retry, fallback, give up) and its verdicts.
    func act(agent: Int, step: Int, deliveries delivered: [Delivery], previous: AgentOutput?, run: RunContext) async throws -> CallResult {
        let planned = run.plan.agents[agent]
        var result = CallResult(agent: agent)
        guard let role = catalog.role(named: planned.role) else {
            result.error = "agent \(agent): role '\(planned.role)' is missing from the catalogue"
            return result
        }
        let context = CallContext(
            taskID: run.task.id,
            query: run.task.query,
            domain: run.plan.domain,
            answerKind: run.task.answerKind,
            expected: run.task.expected,
            role: role,
            agentIndex: agent,
            step: step,
            neighbours: delivered.map {
                NeighbourMessage(
                    sender: $0.sender,
                    response: $0.verdict.isDelivered ? $0.output.response : nil,
                    answer: $0.verdict.isDelivered ? $0.output.answer : nil,
                    verdict: $0.verdict
                )
            },
            seed: run.seed
        )
        var deliveries: [DeliveryRecord] = delivered.map {
            DeliveryRecord(
                id: nil,
                runID: run.runID,
                messageID: $0.output.messageID,
                senderIndex: $0.sender,
                receiverIndex: agent,
                step: step,
                verdict: $0.verdict.rawValue,
                detail: $0.detail
            )
        }
        var consistency = DeliveryPlanner.consistencyRecords(delivered, runID: run.runID, receiver: agent)
        if let fault = run.faults[agent] {
            return try await actFaulty(fault, step: step, role: role, deliveries: deliveries, consistency: consistency, run: run)
        }
        let candidates = [planned.model] + planned.fallbackModels.prefix(retryPolicy.maxFallbacks)
        var random = SystemRandomNumberGenerator()
        var failures: [String] = []

        for (rank, name) in candidates.enumerated() {
            guard let model = catalog.fleet.model(named: name), !(await run.health.isDown(name)) else { continue }
            let maxRetries = model.limits.maxRetries ?? ModelLimits.defaultMaxRetries
            var retriesDone = 0
            while true {
                let messages = PromptBuilder.messages(
                    role: role,
                    task: run.task,
                    kind: run.task.answerKind,
                    style: run.topology.style,
                    inputs: delivered.map {
                        PromptBuilder.Input(
                            sender: run.plan.agents[$0.sender],
                            response: $0.output.response,
                            answer: $0.output.answer,
                            verdict: $0.verdict,
                            detail: $0.detail
                        )
                    },
                    ownPrevious: previous?.response,
                    examples: model.fewShotExamples,
                    framing: run.framing,
                    receiver: agent,
                    step: step
                )
                let attempt = await call(model: model, messages: messages, context: context, deadline: run.deadline)
                result.calls += 1
                if rank > 0 && retriesDone == 0 { result.fallbacks += 1 }

                var recovery: String?
                var wait: Double?
                var failure: ProviderError?
                if attempt.response == nil && !attempt.deadlineExceeded {
                    let error = Self.providerError(attempt.error, model: model)
                    failure = error
                    if let refusal = retryPolicy.refusal(of: error, retriesDone: retriesDone, maxRetries: maxRetries) {
                        if Self.meansModelIsDown(error) {
                            await run.health.markDown(name, reason: error.description)
                        }
                        let next = await nextCallable(after: rank, in: candidates, health: run.health)
                        recovery = next.map { "\(refusal); falling back to \($0)" } ?? "\(refusal); no model left to fall back to"
                    } else {
                        let delay = retryPolicy.delay(beforeRetry: retriesDone + 1, after: error, random: &random)
                        if let deadline = run.deadline, ContinuousClock.now + .milliseconds(delay * 1000) >= deadline {
                            recovery = "retry in \(format(delay)) s would pass the deadline; giving up"
                            result.deadlineExceeded = true
                        } else {
                            wait = delay
                            recovery = "retry \(retriesDone + 1) of \(maxRetries) in \(format(delay)) s"
                        }
                    }
                }

                let usage = attempt.response?.usage ?? TokenUsage()
                let cost = attempt.response?.cost(on: model) ?? 0
                let answer = attempt.response.flatMap { AnswerExtractor.extract(from: $0.content, kind: run.task.answerKind) }
                var checks: [CheckResult] = []
                if let response = attempt.response { checks = await check(response.content, run: run) }
                let errorText = attempt.deadlineExceeded ? "deadline exceeded while waiting for \(model.name)" : failure?.description
                let record = MessageRecord(
                    id: nil,
                    runID: run.runID,
                    step: step,
                    agentIndex: agent,
                    role: role.name,
                    model: model.name,
                    provider: providers.label(for: model),
                    promptJSON: Self.json(messages),
                    response: attempt.response?.content,
                    answer: answer,
                    promptTokens: usage.promptTokens,
                    completionTokens: usage.completionTokens,
                    tokensEstimated: usage.estimated,
                    costUSD: cost,
                    latencyMilliseconds: attempt.latencyMilliseconds,
                    attempt: retriesDone + 1,
                    error: errorText,
                    startedAt: attempt.startedAt,
                    finishedAt: Date(),
                    spanID: TraceIDs.spanID(),
                    parentSpanID: run.agentSpanIDs[agent],
                    fallbackFrom: rank > 0 ? planned.model : nil,
                    errorKind: attempt.deadlineExceeded ? "deadline" : failure?.kind.rawValue,
                    httpStatus: failure?.httpStatus,
                    recovery: recovery,
                    finishReason: attempt.response?.finishReason,
                    recordedCorrect: attempt.response?.recordedCorrect
                )
                let messageID = try await store.recordMessage(record, deliveries: deliveries, deliveryVerifications: consistency, checks: checks)
                deliveries = []
                consistency = []
                result.usage = result.usage + usage
                result.costUSD += cost

                if let response = attempt.response {
                    var output = AgentOutput(
                        messageID: messageID,
                        response: response.content,
                        answer: answer,
                        recordedCorrect: response.recordedCorrect,
                        checks: checks
                    )
                    // A recording answers the same again: asking it twice cannot help.
                    if Self.needsReAsk(checks) && model.provider != .recorded {
                        output = try await reAsk(
                            model: model,
                            messages: messages,
                            output: output,
                            context: context,
                            record: record,
                            run: run,
                            result: &result
                        )
                    }
                    result.output = output
                    result.error = nil
                    return result
                }
                if attempt.deadlineExceeded {
                    result.deadlineExceeded = true
                    result.error = errorText
                    return result
                }
                let described = "\(errorText ?? "failed") (\(recovery ?? ""))"
                logger.warning(
                    "agent call failed",
                    metadata: ["run": "\(run.runID)", "agent": "\(agent)", "model": "\(model.name)", "error": "\(described)"]
                )
                if result.deadlineExceeded {
                    result.error = described
                    return result
                }
                guard let wait else {
                    failures.append(described)
                    break
                }
                retriesDone += 1
                result.retries += 1
                try await Task.sleep(for: .milliseconds(wait * 1000))
            }
        }
        result.error =
            failures.isEmpty
            ? "agent \(agent): no candidate model (\(candidates.joined(separator: ", "))) could be called: each is missing from the fleet or failed earlier in this run"
            : failures.joined(separator: " | ")
        return result
    }

    /// The first candidate after `rank` that is in the fleet and has not failed for good in this run.
    private func nextCallable(after rank: Int, in candidates: [String], health: ModelHealth) async -> String? {
        for name in candidates.dropFirst(rank + 1) where catalog.fleet.model(named: name) != nil {
            if !(await health.isDown(name)) { return name }
        }
        return nil
    }

    /// Calls a model once, holding its concurrency permit only for the call itself.
    func call(model: ModelSpec, messages: [ChatMessage], context: CallContext, deadline: ContinuousClock.Instant?) async -> Attempt {
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        let request = ChatRequest(model: model, messages: messages, maxTokens: maxOutputTokens, context: context)
        var attempt = Attempt(latencyMilliseconds: 0, startedAt: startedAt)
        do {
            let provider = try providers.provider(for: model)
            let gate = await gates.gate(for: model)
            let limiter = await gates.rateLimiter(for: model)
            attempt.response = try await withTimeLimit(deadline) {
                try await limiter?.acquire()
                if let gate {
                    return try await gate.withPermit { try await provider.complete(request) }
                }
                return try await provider.complete(request)
            }
        } catch is TimeLimitExceeded {
            attempt.deadlineExceeded = true
        } catch {
            attempt.error = error
        }
        attempt.latencyMilliseconds = (clock.now - start).milliseconds
        return attempt
    }

    /// Any error as a `ProviderError`; errors of unknown kind are not retried.
    static func providerError(_ error: (any Error)?, model: ModelSpec) -> ProviderError {
        if let error = error as? ProviderError { return error }
        return ProviderError(kind: .failed, model: model.name, message: error.map { "\($0)" } ?? "no reply")
    }

    /// Whether a failure says the model will not work for the rest of the run, rather than this one request.
    static func meansModelIsDown(_ error: ProviderError) -> Bool {
        switch error.kind {
        case .unavailable, .misconfigured, .timeout, .connection, .rateLimited: return true
        case .invalidResponse: return error.isRetryable
        case .failed: return error.isRetryable || [401, 403, 404].contains(error.httpStatus ?? 0)
        }
    }
}
