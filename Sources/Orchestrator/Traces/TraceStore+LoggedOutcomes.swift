import Foundation
import GRDB

extension TraceStore {
    /// What each model answered in the given runs, as recorded outcomes: per task query, each fleet model's first
    /// answered turn (its response, tokens and cost) and whether it was right — the recorded judgement where the
    /// fleet answers from recordings, else its answer scored against the run's expected answer, else the run's own
    /// score (feedback included) for an agent whose answer is the run's final one. A model whose turn cannot be
    /// judged so is left out of that task. Plans whose agents answer independently can then be valued on the tasks
    /// where all their models were called (`PlanValuation`), as on full information.
    public func loggedOutcomes(of plans: [StoredPlan], fleet: Fleet) async throws -> RecordedOutcomes {
        let modelIDs = Dictionary(fleet.models.map { ($0.name, $0.modelID) }, uniquingKeysWith: { first, _ in first })
        let runs = Dictionary(plans.map { ($0.run.id, $0) }, uniquingKeysWith: { first, _ in first })
        var byRun: [String: [String: RecordedOutcomes.Outcome]] = [:]
        for chunk in stride(from: 0, to: plans.count, by: 500).map({ Array(plans[$0..<min(plans.count, $0 + 500)]) }) {
            let query = TraceQuery(
                """
                SELECT "runID", "model", "response", "answer", "recordedCorrect", "promptTokens", "completionTokens", "costUSD"
                FROM "messages" WHERE "purpose" = 'turn' AND "error" IS NULL AND "runID" IN (\(chunk.map { _ in "?" }.joined(separator: ", ")))
                ORDER BY "id"
                """,
                chunk.map { .text($0.run.id) }
            )
            for row in try await rows(query) {
                let runID: String = row["runID"]
                let name: String = row["model"]
                guard let plan = runs[runID], let modelID = modelIDs[name], byRun[runID]?[modelID] == nil else { continue }
                guard let correct = Self.judgement(of: row, in: plan) else { continue }
                byRun[runID, default: [:]][modelID] = RecordedOutcomes.Outcome(
                    correct: correct,
                    response: row["response"],
                    promptTokens: row["promptTokens"],
                    completionTokens: row["completionTokens"],
                    costUSD: row["costUSD"]
                )
            }
        }
        var outcomes = RecordedOutcomes()
        for plan in plans {
            guard let answers = byRun[plan.run.id], !answers.isEmpty else { continue }
            outcomes.merge(
                RecordedOutcomes.Item(
                    dataset: plan.task.domain?.rawValue ?? "logged",
                    id: plan.task.id,
                    query: plan.task.query,
                    expected: plan.task.expected,
                    domain: plan.task.domain ?? QueryProfile(query: plan.task.query).inferredDomain,
                    outcomes: answers,
                    answerKind: plan.task.answerKind
                )
            )
        }
        return outcomes
    }

    /// Whether a turn's answer was right: recorded, else against the expected answer, else the run's score when the
    /// answer is the run's final one; nil when none tells.
    private static func judgement(of row: Row, in plan: StoredPlan) -> Bool? {
        if let recorded = row["recordedCorrect"] as Bool? { return recorded }
        let answer = row["answer"] as String?
        if let expected = plan.task.expected {
            return (Scorer.score(answer: answer, expected: expected) ?? 0) >= 1
        }
        if let answer, answer == plan.run.answer, let score = plan.run.score { return score >= 0.5 }
        return nil
    }
}
