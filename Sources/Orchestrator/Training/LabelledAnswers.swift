import Foundation

/// The labelled answers a controller's supervised parts learn from — who was right on which task, with the response
/// where it was kept — from recorded outcomes (every model on every question: full information) or from a trace
/// store's scored runs. Training and out-of-fold evaluation fit the outcome model and the escalation judge from the
/// same answers, leaving out the tasks they must not see.
public struct LabelledAnswers: Sendable {
    /// What the outcome model learns from, with the task of each outcome.
    public var outcomes: [(taskID: String, example: OutcomeModel.Example)]
    /// What the escalation judge learns from (each example carries its task).
    public var responses: [EscalationJudge.Example]

    public init(outcomes: [(taskID: String, example: OutcomeModel.Example)], responses: [EscalationJudge.Example]) {
        self.outcomes = outcomes
        self.responses = responses
    }

    /// Every model's outcome on every question of the recordings, graded as runs are scored
    /// (`RecordedOutcomes.regraded`), models named as `fleet` names them.
    public init(recorded: RecordedOutcomes, fleet: Fleet) {
        let graded = recorded.regraded().outcomes
        let names = fleet.namesByModelID
        outcomes = graded.items.flatMap { item in
            item.outcomes.sorted { $0.key < $1.key }.map { model, outcome in
                (item.id, OutcomeModel.Example(model: names[model] ?? model, query: item.query, correct: outcome.correct))
            }
        }
        responses = EscalationJudge.examples(from: graded, fleet: fleet)
    }

    /// The scored answers of the store's runs.
    public init(store: TraceStore) async throws {
        outcomes = try await store.outcomeExamples()
        responses = try await store.judgeExamples()
    }

    /// Only the answers to tasks `keep` accepts (by task id); a judge example without a task is kept.
    public func filter(_ keep: (String) -> Bool) -> LabelledAnswers {
        LabelledAnswers(
            outcomes: outcomes.filter { keep($0.taskID) },
            responses: responses.filter { example in example.taskID.map(keep) ?? true }
        )
    }

    /// The outcome model fitted on the outcomes of `fleet`'s models; nil when there are none.
    public func outcomeModel(fleet: Fleet) -> OutcomeModel? {
        let known = outcomes.map(\.example).filter { fleet.model(named: $0.model) != nil }
        return known.isEmpty ? nil : OutcomeModel.fit(known)
    }

    /// The escalation judge fitted on the responses, each model's gain models on its next dearer model of `fleet`;
    /// nil when there are no responses.
    public func judge(fleet: Fleet) -> EscalationJudge? {
        guard !responses.isEmpty else { return nil }
        return EscalationJudge.fit(
            responses,
            strongCorrect: EscalationJudge.nextLevelOutcomes(of: responses, nextModel: EscalationJudge.nextLevels(in: fleet))
        )
    }
}
