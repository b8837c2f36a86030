import Foundation

/// The exact score and cost of plans whose agents answer independently, on recorded outcomes: every model's recorded
/// answer to every task is known, so a single agent, a vote with a model per agent, a cascade of any number of levels
/// and an agreement cascade can each be played out on every task without calling anything — full information, where
/// on-policy training would see only the plans it sampled.
///
/// A plan is played as the executor runs it: answers read by the executor's one reading of a message
/// (`Executor.reading`, under the verification policy), levels in cascade order (cheapest first), a judged cascade's
/// escalations decided by the same `EscalationPolicy`, an agreement by `CascadeAgreement`, a vote by `Aggregator`
/// (weighed by reliability when given), scores by `Scorer` against the expected answer or else by the record of the
/// answering agents. Costs are the recorded ones (estimated from the query and the response at the fleet's prices
/// where none was recorded); budgets and deadlines are not played.
public struct PlanValuation: Sendable {
    /// One plan: a topology and each agent's model, in position order.
    public struct Candidate: Sendable, Hashable, Codable {
        public var topology: String
        public var models: [String]

        public init(topology: String, models: [String]) {
            self.topology = topology
            self.models = models
        }
    }

    /// What one model's recorded answer to one task reads as.
    struct Reading: Sendable {
        var answer: String?
        var checks: [CheckResult]
        var examination: MessageVerifier.Examination?
        var response: String
        var textRecorded: Bool
        var correct: Bool
        var costUSD: Double
    }

    /// One task and every model's reading of it, by fleet name.
    struct Task: Sendable {
        var task: OrchestrationTask
        var readings: [String: Reading]
    }

    public let catalog: Catalog
    let tasks: [Task]
    let escalation: EscalationPolicy

    /// Reads every task's recorded answers once. `tasks` are the tasks to value (their recorded item found by query);
    /// models are the fleet's, found in the recordings by `modelID`.
    public init(
        catalog: Catalog,
        outcomes: RecordedOutcomes,
        tasks: [OrchestrationTask],
        policy: VerificationPolicy = .check,
        escalation: EscalationPolicy = EscalationPolicy()
    ) {
        self.catalog = catalog
        self.escalation = escalation
        self.tasks = tasks.compactMap { task in
            guard let item = outcomes.item(for: task.query) else { return nil }
            var readings: [String: Reading] = [:]
            for model in catalog.fleet.models {
                guard let outcome = item.outcomes[model.modelID] else { continue }
                let response = outcome.response ?? RecordedProvider.noTextNotice
                let read =
                    outcome.response.map { Executor.reading(of: $0, kind: task.answerKind, query: task.query, policy: policy) }
                    ?? Executor.Reading()
                let usage = RecordedProvider.usage(of: outcome, promptTokens: TokenUsage.estimate(task.query) + Self.promptOverheadTokens)
                readings[model.name] = Reading(
                    answer: read.answer,
                    checks: read.checks,
                    examination: read.examination,
                    response: response,
                    textRecorded: outcome.response != nil,
                    correct: outcome.correct,
                    costUSD: outcome.costUSD ?? model.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
                )
            }
            return Task(task: task, readings: readings)
        }
    }

    /// The tokens a prompt adds to the query (role, instructions) where the recordings kept no cost.
    static let promptOverheadTokens = 80

    /// The number of tasks found in the recordings.
    public var taskCount: Int { tasks.count }

    /// The tasks valued, in order.
    public var taskIDs: [String] { tasks.map(\.task.id) }

    /// The domain of each task valued, in order.
    public var domains: [Domain] { tasks.map { $0.task.domain ?? QueryProfile(query: $0.task.query).inferredDomain } }

    /// A plan's score and cost on every task, in order: nil where a model of the plan has no recorded outcome, and
    /// everywhere for a plan the catalogue cannot lay out or whose agents read each other's messages (not a cascade).
    public func outcomes(of candidate: Candidate, reliability: [String: Double] = [:]) -> [(score: Double, costUSD: Double)?] {
        guard let topology = catalog.topology(named: candidate.topology), topology.isCascade || !topology.readsMessages,
            let graph = try? AgentGraph(topology: topology, agentCount: candidate.models.count, rounds: 1)
        else { return [(score: Double, costUSD: Double)?](repeating: nil, count: tasks.count) }
        let order = levelOrder(candidate)
        return tasks.map { task in
            let readings = candidate.models.compactMap { task.readings[$0] }
            guard readings.count == candidate.models.count else { return nil }
            switch topology.cascade {
            case nil: return independent(readings, answering: graph.answeringAgents, candidate: candidate, task: task.task, reliability: reliability)
            case .agreement?: return agreement(readings, order: order, task: task.task)
            case .judge?: return judged(readings, order: order, candidate: candidate, task: task.task)
            }
        }
    }

    /// Independent answers: the answering agents' (the last step's, or every agent's for a vote), voted.
    func independent(
        _ agents: [Reading],
        answering: [Int],
        candidate: Candidate,
        task: OrchestrationTask,
        reliability: [String: Double]
    ) -> (score: Double, costUSD: Double) {
        let voted = Aggregator.vote(answering.compactMap { index in agents[index].answer.map { ($0, reliability[candidate.models[index]]) } })
        return (score(final: voted, answering: answering.map { agents[$0] }, task: task), agents.reduce(0) { $0 + $1.costUSD })
    }

    /// An agreement cascade: every level but the last agrees, or the last answers.
    func agreement(_ agents: [Reading], order: [Int], task: OrchestrationTask) -> (score: Double, costUSD: Double)? {
        let level = Array(order.dropLast())
        guard let top = order.last, level.count >= 2 else { return nil }
        let cost = level.reduce(0) { $0 + agents[$1].costUSD }
        if CascadeAgreement.decide(level.map { CascadeAgreement.Answer(agent: $0, reading: agents[$0]) }).agrees {
            return (score(final: agents[level[0]].answer, answering: level.map { agents[$0] }, task: task), cost)
        }
        return (score(final: agents[top].answer, answering: [agents[top]], task: task), cost + agents[top].costUSD)
    }

    /// A judged cascade: each level's answer stands unless the escalation policy sends it up.
    func judged(_ agents: [Reading], order: [Int], candidate: Candidate, task: OrchestrationTask) -> (score: Double, costUSD: Double)? {
        var cost = 0.0
        for (position, agent) in order.enumerated() {
            let reading = agents[agent]
            cost += reading.costUSD
            guard position + 1 < order.count else {
                return (score(final: reading.answer, answering: [reading], task: task), cost)
            }
            let next = order[position + 1]
            guard let from = catalog.fleet.model(named: candidate.models[agent]), let to = catalog.fleet.model(named: candidate.models[next]) else {
                return nil
            }
            let decision = escalation.decide(output: reading.output, task: task, step: position + 1, from: (agent, from), to: (next, to))
            if !decision.escalates {
                return (score(final: reading.answer, answering: [reading], task: task), cost)
            }
        }
        return nil
    }

    /// A cascade's levels as the executor orders them: cheapest model first, plan order among equals.
    func levelOrder(_ candidate: Candidate) -> [Int] {
        let price = candidate.models.map { catalog.fleet.model(named: $0).map { $0.cost(promptTokens: 1000, completionTokens: 1000) } ?? .infinity }
        return candidate.models.indices.sorted { (price[$0], $0) < (price[$1], $1) }
    }

    /// A run's score as the orchestrator gives it: against the expected answer, else the record of the answering agents
    /// whose answer is the final one (all of them when none is).
    func score(final: String?, answering: [Reading], task: OrchestrationTask) -> Double {
        if let scored = Scorer.score(answer: final, expected: task.expected) { return scored }
        let gave = final.map { answer in answering.filter { $0.answer == answer } } ?? []
        let judged = gave.isEmpty ? answering : gave
        let verdict = Aggregator.majority(of: judged.map { $0.correct ? "correct" : "wrong" })
        return verdict == "correct" ? 1 : 0
    }
}

extension PlanValuation.Reading {
    /// The reading as the executor keeps an agent's output, for the escalation policy.
    var output: Executor.AgentOutput {
        Executor.AgentOutput(
            message: TraceEvent.MessageKey(value: 0),
            response: response,
            answer: answer,
            recordedCorrect: correct,
            textRecorded: textRecorded,
            checks: checks,
            examination: examination
        )
    }
}

extension CascadeAgreement.Answer {
    init(agent: Int, reading: PlanValuation.Reading) {
        self.init(
            agent: agent,
            answer: reading.answer,
            failedCheck: reading.checks.first { $0.outcome == .failed }?.check.rawValue,
            textRecorded: reading.textRecorded
        )
    }
}
