import Foundation
import Logging

/// The one path by which anything calls a model: the fleet's concurrency gates and rate limits, the time limit,
/// retries with backoff, model health for the run, and fallback to the next ranked model. Every attempt is handed
/// to the caller's `record` the moment it ends, with what was decided next, so a crash loses no attempt.
struct ModelCaller: Sendable {
    let fleet: Fleet
    let providers: ProviderRegistry
    let gates: ModelGates
    let maxOutputTokens: Int
    let retryPolicy: RetryPolicy
    let logger: Logger

    /// How a call over all its attempts ended.
    struct Outcome<Recorded: Sendable>: Sendable {
        /// The attempt that answered and what `record` made of it; nil when none did.
        var answered: (attempt: CallAttempt, recorded: Recorded)?
        /// Attempts made, retries and fallbacks included.
        var calls = 0
        var retries = 0
        var fallbacks = 0
        var usage = TokenUsage()
        var costUSD = 0.0
        /// Why no attempt answered.
        var error: String?
        /// The run's deadline ended the call.
        var deadlineExceeded = false
    }

    /// Calls the first callable candidate, retrying retryable failures and falling back down the list when a
    /// model fails for good (a model that says it is down is marked so in `health` for the rest of the run).
    /// `messages` builds the chat for a model (few-shot examples differ by model). Throws what `record` throws, and
    /// the trace store's failure when the limits it keeps could not be read.
    func call<Recorded: Sendable>(
        candidates: [String],
        messages: (ModelSpec) -> [ChatMessage],
        context: CallContext,
        deadline: ContinuousClock.Instant?,
        health: ModelHealth,
        metadata: Logger.Metadata = [:],
        record: (CallAttempt) async throws -> Recorded
    ) async throws -> Outcome<Recorded> {
        var outcome = Outcome<Recorded>()
        var random = SystemRandomNumberGenerator()
        var failures: [String] = []
        for (rank, name) in candidates.enumerated() {
            guard let model = fleet.model(named: name), !(await health.isDown(name)) else { continue }
            let maxRetries = model.limits.maxRetries ?? ModelLimits.defaultMaxRetries
            let chat = messages(model)
            var retriesDone = 0
            while true {
                var attempt = try await attempt(model: model, messages: chat, context: context, deadline: deadline)
                attempt.number = retriesDone + 1
                attempt.fallbackFrom = rank > 0 ? candidates[0] : nil
                outcome.calls += 1
                if rank > 0 && retriesDone == 0 { outcome.fallbacks += 1 }
                var wait: Double?
                var givesUp = false
                if attempt.response == nil && Task.isCancelled {
                    attempt.recovery = "the run was cancelled; not retried"
                    _ = try await record(attempt)
                    outcome.usage = outcome.usage + attempt.usage
                    outcome.costUSD += attempt.costUSD
                    outcome.error = RunStatus.cancellationReason
                    return outcome
                }
                if attempt.response == nil && !attempt.deadlineExceeded, let error = attempt.failure {
                    if let refusal = retryPolicy.refusal(of: error, retriesDone: retriesDone, maxRetries: maxRetries) {
                        if Self.meansModelIsDown(error) {
                            await health.markDown(name, reason: error.description)
                        }
                        let next = await nextCallable(after: rank, in: candidates, health: health)
                        attempt.recovery = next.map { "\(refusal); falling back to \($0)" } ?? "\(refusal); no model left to fall back to"
                    } else {
                        let delay = retryPolicy.delay(beforeRetry: retriesDone + 1, after: error, random: &random)
                        if let deadline, ContinuousClock.now + .milliseconds(delay * 1000) >= deadline {
                            attempt.recovery = "retry in \(Self.format(delay)) s would pass the deadline; giving up"
                            givesUp = true
                        } else {
                            wait = delay
                            attempt.recovery = "retry \(retriesDone + 1) of \(maxRetries) in \(Self.format(delay)) s"
                        }
                    }
                }
                let recorded = try await record(attempt)
                outcome.usage = outcome.usage + attempt.usage
                outcome.costUSD += attempt.costUSD
                if attempt.response != nil {
                    outcome.answered = (attempt, recorded)
                    outcome.error = nil
                    return outcome
                }
                if attempt.deadlineExceeded {
                    outcome.deadlineExceeded = true
                    outcome.error = attempt.errorText
                    return outcome
                }
                let described = "\(attempt.errorText ?? "failed") (\(attempt.recovery ?? ""))"
                var details = metadata
                details["model"] = "\(model.name)"
                details["error"] = "\(described)"
                logger.warning("model call failed", metadata: details)
                if givesUp {
                    outcome.deadlineExceeded = true
                    outcome.error = described
                    return outcome
                }
                guard let wait else {
                    failures.append(described)
                    break
                }
                retriesDone += 1
                outcome.retries += 1
                try? await Task.sleep(for: .milliseconds(wait * 1000))
            }
        }
        outcome.error =
            failures.isEmpty
            ? "no candidate model (\(candidates.joined(separator: ", "))) could be called: each is missing from the fleet or failed earlier in this run"
            : failures.joined(separator: " | ")
        return outcome
    }

    /// Calls a model once, holding its concurrency permit only for the call itself. Throws only the trace store's
    /// failure when the limits it keeps for every process could not be read: the store's failure, not the model's.
    func attempt(
        model: ModelSpec,
        messages: [ChatMessage],
        context: CallContext,
        deadline: ContinuousClock.Instant?
    ) async throws
        -> CallAttempt
    {
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        let request = ChatRequest(model: model, messages: messages, maxTokens: maxOutputTokens, context: context.visible(to: model.provider))
        var attempt = CallAttempt(model: model, messages: messages, startedAt: startedAt)
        do {
            let provider = try providers.provider(for: model)
            attempt.response = try await withTimeLimit(deadline) { [gates] in
                try await gates.withinLimits(of: model) { try await provider.complete(request) }
            }
        } catch is TimeLimitExceeded {
            attempt.deadlineExceeded = true
        } catch let failure as TraceStoreFailure {
            throw failure
        } catch {
            attempt.failure = Self.providerError(error, model: model)
        }
        attempt.latencyMilliseconds = (clock.now - start).milliseconds
        attempt.finishedAt = Date()
        return attempt
    }

    /// The first candidate after `rank` that is in the fleet and has not failed for good in this run.
    private func nextCallable(after rank: Int, in candidates: [String], health: ModelHealth) async -> String? {
        for name in candidates.dropFirst(rank + 1) where fleet.model(named: name) != nil {
            if !(await health.isDown(name)) { return name }
        }
        return nil
    }

    /// Any error as a `ProviderError`; errors of unknown kind are not retried.
    static func providerError(_ error: any Error, model: ModelSpec) -> ProviderError {
        if let error = error as? ProviderError { return error }
        return ProviderError(kind: .failed, model: model.name, message: "\(error)")
    }

    /// Whether a failure says the model will not work for the rest of the run, rather than this one request.
    static func meansModelIsDown(_ error: ProviderError) -> Bool {
        switch error.kind {
        case .unavailable, .misconfigured, .timeout, .connection, .rateLimited: return true
        case .invalidResponse: return error.isRetryable
        case .failed: return error.isRetryable || [401, 403, 404].contains(error.httpStatus ?? 0)
        }
    }

    static func format(_ value: Double) -> String {
        String(format: value < 0.01 ? "%.6f" : "%.4f", value)
    }
}

/// One attempt at a model call: what was sent, what came back or why not, and what was decided next.
struct CallAttempt: Sendable {
    var model: ModelSpec
    var messages: [ChatMessage]
    var response: ChatResponse?
    var failure: ProviderError?
    var deadlineExceeded = false
    var latencyMilliseconds = 0.0
    var startedAt: Date
    var finishedAt = Date()
    /// 1 for the first call to this model in this turn, 2 for its first retry…
    var number = 1
    /// The planned model, when this attempt is a fallback from it.
    var fallbackFrom: String?
    /// What was decided after a failure: the retry and its wait, the fallback, or giving up.
    var recovery: String?

    var usage: TokenUsage { response?.usage ?? TokenUsage() }
    var costUSD: Double { response?.cost(on: model) ?? 0 }
    /// Why the attempt did not answer; nil when it did.
    var errorText: String? {
        deadlineExceeded ? "deadline exceeded while waiting for \(model.name)" : failure?.description
    }
    /// The `ProviderError` kind, or `deadline`.
    var errorKind: String? { deadlineExceeded ? "deadline" : failure?.kind.rawValue }
}
