import Foundation

/// How a cascade decides, after each level, whether the next one runs: the escalation judge's probability that the
/// answer is wrong, held against a rule. Where the judge has no fit for the answering model (or there is no judge),
/// the checks decide: escalate when the answer is missing or a check failed or could not vouch for it.
public struct EscalationPolicy: Sendable, Equatable {
    /// When to escalate, given the judge's probability p that the answer is wrong.
    public enum Rule: Sendable, Equatable, CustomStringConvertible {
        /// When the expected gain in score (the next level right where this one is wrong, less right answers it
        /// would spoil) exceeds λ times the next level's estimated cost: the utility's own trade.
        case costWeight(Double)
        /// When p is above the judge's training quantile that escalates this share of answers.
        case share(Double)
        /// When p is above this threshold.
        case threshold(Double)

        public var description: String {
            switch self {
            case .costWeight(let lambda): "expected gain > λ·cost (λ = \(lambda))"
            case .share(let share): "the \(Int((share * 100).rounded()))% most doubtful answers"
            case .threshold(let threshold): "P(wrong) > \(threshold)"
            }
        }
    }

    /// The rule; by default the cost weight training uses.
    public var rule: Rule
    /// The judge; nil decides by the checks alone.
    public var judge: EscalationJudge?

    /// λ of utility = score − λ·cost when none is given, as in training.
    public static let defaultCostWeight = 20.0

    public init(rule: Rule = .costWeight(EscalationPolicy.defaultCostWeight), judge: EscalationJudge? = nil) {
        self.rule = rule
        self.judge = judge
    }

    /// What to do after `from`'s answer, `output`, with `to` as the next level's model. `judged`, when given, is
    /// `judgement(of:task:model:)` of the same answer, read once for many next levels.
    func decide(
        output: Executor.AgentOutput,
        task: OrchestrationTask,
        step: Int,
        from: (agent: Int, model: ModelSpec),
        to: (agent: Int, model: ModelSpec),
        judged: Judgement? = nil
    ) -> EscalationDecision {
        var decision = EscalationDecision(
            step: step,
            fromAgent: from.agent,
            toAgent: to.agent,
            fromModel: from.model.name,
            toModel: to.model.name,
            escalates: false,
            reason: ""
        )
        guard output.textRecorded else {
            return decideWithoutText(decision, task: task, from: from.model, to: to.model)
        }
        guard output.answer != nil else {
            decision.escalates = true
            decision.reason = "no readable answer"
            return decision
        }
        guard let judgement = judged ?? judgement(of: output, task: task, model: from.model.name) else {
            let doubts = output.checks.filter { $0.outcome == .failed || $0.outcome == .unsupported }
            decision.escalates = !doubts.isEmpty
            decision.reason =
                doubts.isEmpty
                ? "no judge for \(from.model.name); no check doubts the answer"
                : "no judge for \(from.model.name); " + doubts.map { "\($0.check.rawValue) \($0.outcome.rawValue)" }.joined(separator: ", ")
            return decision
        }
        let p = judgement.probabilityWrong
        return held(
            decision,
            probabilityWrong: p,
            gain: judgement.gain,
            extraCost: Self.extraCost(query: task.query, response: output.response, next: to.model),
            model: from.model.name,
            basis: "P(wrong) \(Self.format(p))",
            rankedByGain: true
        )
    }

    /// What the judge makes of a readable answer by `model`: the probability that it is wrong and the expected gain of
    /// escalating it (that probability where no gain model was fitted). Nil without a judge fit for the model.
    struct Judgement: Sendable {
        var probabilityWrong: Double
        var gain: Double
    }

    /// The judge's reading of `output` (its features read once); nil when the judge has no fit for `model`.
    func judgement(of output: Executor.AgentOutput, task: OrchestrationTask, model: String) -> Judgement? {
        guard let judge, let fit = judge.fits[model] else { return nil }
        // The checks already read the answer: their examination gives the features without reading it again.
        let features =
            output.examination.map { ResponseFeatures.values(of: $0, response: output.response, query: task.query) }
            ?? ResponseFeatures.values(response: output.response, kind: task.answerKind, query: task.query)
        let p = fit.probabilityWrong(features, response: output.response)
        return Judgement(probabilityWrong: p, gain: judge.expectedGain(model: model, features: features, response: output.response) ?? p)
    }

    /// The decision under the rule for an answer the judge doubts with probability `p` and whose escalation is expected
    /// to gain `gain`; `basis` opens the reason. The share rule goes by the gain models' quantiles where
    /// `rankedByGain` and they were fitted, else by the judge's.
    func held(
        _ undecided: EscalationDecision,
        probabilityWrong p: Double,
        gain: Double,
        extraCost: Double,
        model: String,
        basis: String,
        rankedByGain: Bool
    ) -> EscalationDecision {
        var decision = undecided
        decision.probabilityWrong = p
        switch rule {
        case .costWeight(let lambda):
            decision.escalates = gain > lambda * extraCost
            decision.reason = "\(basis); expected gain \(Self.format(gain)) against λ·cost \(Self.format(lambda * extraCost))"
        case .share(let share):
            let quantile = "the \(Int((share * 100).rounded()))% quantile"
            if rankedByGain, let threshold = judge?.gainThreshold(forShare: share, model: model) {
                decision.escalates = gain > threshold
                decision.reason = "\(basis); expected gain \(Self.format(gain)) against \(quantile) \(Self.format(threshold))"
            } else {
                let threshold = judge?.threshold(forShare: share, model: model) ?? 1
                decision.threshold = threshold
                decision.escalates = p > threshold
                decision.reason = "\(basis) against \(quantile) \(Self.format(threshold))"
            }
        case .threshold(let threshold):
            decision.threshold = threshold
            decision.escalates = p > threshold
            decision.reason = "\(basis) against \(Self.format(threshold))"
        }
        return decision
    }

    /// The decision on a recorded outcome that kept no text: there is nothing to read, so the judge's fit for the model
    /// decides by what it knows without the answer — the model's share of wrong answers in training and what escalating
    /// them gained — the same for every such answer, right or wrong; with no fit the answer is kept.
    func decideWithoutText(_ undecided: EscalationDecision, task: OrchestrationTask, from: ModelSpec, to: ModelSpec) -> EscalationDecision {
        guard let fit = judge?.fits[from.name] else {
            var decision = undecided
            decision.escalates = false
            decision.reason = "no response text recorded and no judge for \(from.name): kept"
            return decision
        }
        let p = fit.wrongShare
        return held(
            undecided,
            probabilityWrong: p,
            gain: fit.expectedGain(probabilityWrong: p),
            extraCost: Self.extraCost(query: task.query, response: "", next: to),
            model: from.name,
            basis: "no response text recorded: decided on \(from.name)'s base rate, P(wrong) \(Self.format(p))",
            rankedByGain: false
        )
    }

    static func format(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// What escalating an answer is expected to cost: the next model reading the task and about as much again, and
    /// answering at about the answer's length.
    public static func extraCost(query: String, response: String, next: ModelSpec) -> Double {
        next.cost(promptTokens: TokenUsage.estimate(query + response) + 80, completionTokens: TokenUsage.estimate(response))
    }
}

/// What a cascade's judge decided about one level's answer.
public struct EscalationDecision: Sendable, Codable, Equatable {
    /// The step the next level would run in.
    public var step: Int
    public var fromAgent: Int
    public var toAgent: Int
    public var fromModel: String
    public var toModel: String
    public var probabilityWrong: Double?
    public var threshold: Double?
    /// Whether the next level runs.
    public var escalates: Bool
    public var reason: String
}
