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

    /// What one model's recorded answer to one task reads as, kept small: plans are played millions of times.
    struct Reading: Sendable {
        var answer: String?
        /// Whether a check failed the message (an agreement needs none to).
        var failed: Bool
        var textRecorded: Bool
        var correct: Bool
        var costUSD: Double
    }

    /// One task and every model's reading of it, by the model's place in the fleet.
    struct Task: Sendable {
        var task: OrchestrationTask
        var readings: [Reading?]
        /// [from][to] → whether the escalation policy sends `from`'s answer up to `to` (models by their place in the
        /// fleet; nil where one has no outcome), decided once per pair as a judged cascade's levels meet them.
        var escalates: [[Bool?]]
        /// The score of each answer a model gave against the expected answer, read once (empty with none expected):
        /// a plan's final answer is one of them.
        var scores: [String: Double]
    }

    public let catalog: Catalog
    let tasks: [Task]
    /// Each fleet model's place, by name.
    let modelIndex: [String: Int]

    /// Reads every task's recorded answers once. `tasks` are the tasks to value (their recorded item found by query);
    /// models are the fleet's, found in the recordings by `modelID`; `escalation` decides a judged cascade's levels.
    public init(
        catalog: Catalog,
        outcomes: RecordedOutcomes,
        tasks: [OrchestrationTask],
        policy: VerificationPolicy = .check,
        escalation: EscalationPolicy = EscalationPolicy()
    ) {
        self.catalog = catalog
        let models = catalog.fleet.models
        modelIndex = Dictionary(models.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        self.tasks = tasks.compactMap { task in
            guard let item = outcomes.item(for: task.query) else { return nil }
            var readings: [Reading?] = []
            var outputs: [Executor.AgentOutput?] = []
            for model in models {
                guard let outcome = item.outcomes[model.modelID] else {
                    readings.append(nil)
                    outputs.append(nil)
                    continue
                }
                let read =
                    outcome.response.map { Executor.reading(of: $0, kind: task.answerKind, query: task.query, policy: policy) }
                    ?? Executor.Reading()
                let usage = RecordedProvider.usage(of: outcome, promptTokens: TokenUsage.estimate(task.query) + Self.promptOverheadTokens)
                readings.append(
                    Reading(
                        answer: read.answer,
                        failed: read.checks.contains { $0.outcome == .failed },
                        textRecorded: outcome.response != nil,
                        correct: outcome.correct,
                        costUSD: outcome.costUSD ?? model.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
                    )
                )
                outputs.append(
                    Executor.AgentOutput(
                        message: TraceEvent.MessageKey(value: 0),
                        response: outcome.response ?? RecordedProvider.noTextNotice,
                        answer: read.answer,
                        recordedCorrect: outcome.correct,
                        textRecorded: outcome.response != nil,
                        checks: read.checks,
                        examination: read.examination
                    )
                )
            }
            var scores: [String: Double] = [:]
            for answer in readings.compactMap({ $0?.answer }) where scores[answer] == nil {
                scores[answer] = Scorer.score(answer: answer, expected: task.expected)
            }
            return Task(
                task: task,
                readings: readings,
                escalates: Self.escalations(outputs, task: task, fleet: catalog.fleet, policy: escalation),
                scores: scores
            )
        }
    }

    /// The escalation policy's decision on each model's answer for each model at least as dear as the next level.
    static func escalations(_ outputs: [Executor.AgentOutput?], task: OrchestrationTask, fleet: Fleet, policy: EscalationPolicy) -> [[Bool?]] {
        let price = fleet.models.map { $0.cost(promptTokens: 1000, completionTokens: 1000) }
        return fleet.models.indices.map { from in
            // The judge reads an answer once, whichever next level it is weighed against.
            let judged = outputs[from].flatMap { $0.textRecorded ? policy.judgement(of: $0, task: task, model: fleet.models[from].name) : nil }
            return fleet.models.indices.map { to -> Bool? in
                guard to != from, price[to] >= price[from], let output = outputs[from] else { return nil }
                return policy.decide(
                    output: output,
                    task: task,
                    step: 1,
                    from: (0, fleet.models[from]),
                    to: (1, fleet.models[to]),
                    judged: judged
                ).escalates
            }
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
        let models = candidate.models.compactMap { modelIndex[$0] }
        guard let topology = catalog.topology(named: candidate.topology), topology.isCascade || !topology.readsMessages,
            models.count == candidate.models.count,
            let graph = try? AgentGraph(topology: topology, agentCount: candidate.models.count, rounds: 1)
        else { return [(score: Double, costUSD: Double)?](repeating: nil, count: tasks.count) }
        let order = AgentGraph.cascadeOrder(models: candidate.models, fleet: catalog.fleet)
        let weights = candidate.models.map { reliability[$0] }
        return tasks.map { task in
            let readings = models.compactMap { task.readings[$0] }
            guard readings.count == models.count else { return nil }
            switch topology.cascade {
            case nil: return independent(readings, answering: graph.answeringAgents, weights: weights, task: task)
            case .agreement?: return agreement(readings, order: order, task: task)
            case .judge?: return judged(readings, order: order, models: models, task: task)
            }
        }
    }

    /// Independent answers: the answering agents' (the last step's, or every agent's for a vote), voted.
    func independent(_ agents: [Reading], answering: [Int], weights: [Double?], task: Task) -> (score: Double, costUSD: Double) {
        let voted = Aggregator.vote(answering.compactMap { index in agents[index].answer.map { ($0, weights[index]) } })
        return (score(final: voted, answering: answering.map { agents[$0] }, task: task), agents.reduce(0) { $0 + $1.costUSD })
    }

    /// An agreement cascade: every level but the last agrees, or the last answers.
    func agreement(_ agents: [Reading], order: [Int], task: Task) -> (score: Double, costUSD: Double)? {
        let level = order.dropLast()
        guard let top = order.last, let first = level.first, level.count >= 2 else { return nil }
        let cost = level.reduce(0) { $0 + agents[$1].costUSD }
        if CascadeAgreement.agrees(level.lazy.map { (answer: agents[$0].answer, failed: agents[$0].failed, textRecorded: agents[$0].textRecorded) }) {
            return (score(final: agents[first].answer, answering: level.map { agents[$0] }, task: task), cost)
        }
        return (score(final: agents[top].answer, answering: [agents[top]], task: task), cost + agents[top].costUSD)
    }

    /// A judged cascade: each level's answer stands unless the escalation policy sends it up.
    func judged(_ agents: [Reading], order: [Int], models: [Int], task: Task) -> (score: Double, costUSD: Double)? {
        var cost = 0.0
        for (position, agent) in order.enumerated() {
            let reading = agents[agent]
            cost += reading.costUSD
            guard position + 1 < order.count else {
                return (score(final: reading.answer, answering: [reading], task: task), cost)
            }
            guard let escalates = task.escalates[models[agent]][models[order[position + 1]]] else { return nil }
            if !escalates {
                return (score(final: reading.answer, answering: [reading], task: task), cost)
            }
        }
        return nil
    }

    /// A run's score as the orchestrator gives it: against the expected answer, else the record of the answering agents
    /// whose answer is the final one (all of them when none is).
    func score(final: String?, answering: [Reading], task: Task) -> Double {
        if let final, let known = task.scores[final] { return known }
        if let scored = Scorer.score(answer: final, expected: task.task.expected) { return scored }
        let gave = final.map { answer in answering.filter { $0.answer == answer } } ?? []
        let judged = gave.isEmpty ? answering : gave
        let verdict = Aggregator.majority(of: judged.map { $0.correct ? "correct" : "wrong" })
        return verdict == "correct" ? 1 : 0
    }
}
