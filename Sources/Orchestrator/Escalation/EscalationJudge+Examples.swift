import GRDB

extension EscalationJudge {
    /// Labelled answers from recorded outcomes: every model's recorded response on every question (full
    /// information: each model's result on the same questions). Models are keyed by their fleet name where
    /// `fleet` names them (`modelID` → name), else by the recordings' name.
    public static func examples(from outcomes: RecordedOutcomes, fleet: Fleet? = nil) -> [Example] {
        let names = Dictionary(fleet?.models.map { ($0.modelID, $0.name) } ?? [], uniquingKeysWith: { first, _ in first })
        var examples: [Example] = []
        for item in outcomes.items {
            let kind = item.expected?.kind ?? item.domain.defaultAnswerKind
            for (model, outcome) in item.outcomes.sorted(by: { $0.key < $1.key }) {
                guard let response = outcome.response else { continue }
                examples.append(
                    Example(
                        model: names[model] ?? model,
                        response: response,
                        kind: kind,
                        query: item.query,
                        correct: outcome.correct,
                        taskID: item.id
                    )
                )
            }
        }
        return examples
    }
}

extension TraceStore {
    /// Labelled answers from stored runs: every agent's message (turns, not re-asks or injected faults; replays
    /// left out) of a run that can be scored, right when its own answer scores 1 against the task's expected answer
    /// (or, without one, when its recorded judgement says so). The newest `limit` messages when given.
    public func judgeExamples(limit: Int? = nil) async throws -> [EscalationJudge.Example] {
        let rows = try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.model, m.response, m.answer, m.recordedCorrect, r.taskID, r.query, r.answerKind, r.expectedAnswer
                    FROM messages m JOIN runs r ON r.id = m.runID
                    WHERE m.purpose = 'turn' AND m.response IS NOT NULL AND m.error IS NULL AND r.replayOf IS NULL
                      AND (r.expectedAnswer IS NOT NULL OR m.recordedCorrect IS NOT NULL)
                    ORDER BY m.id DESC
                    \(limit.map { "LIMIT \($0)" } ?? "")
                    """
            )
        }
        return rows.compactMap { row in
            let kind = (row["answerKind"] as String?).flatMap(AnswerKind.init(rawValue:)) ?? .text
            let correct: Bool
            if let expected = row["expectedAnswer"] as String? {
                correct = (Scorer.score(answer: row["answer"], expected: ExpectedAnswer(value: expected, kind: kind)) ?? 0) >= 1
            } else if let recorded = row["recordedCorrect"] as Bool? {
                correct = recorded
            } else {
                return nil
            }
            return EscalationJudge.Example(
                model: row["model"],
                response: row["response"],
                kind: kind,
                query: row["query"],
                correct: correct,
                taskID: row["taskID"]
            )
        }.reversed()
    }
}

extension ControllerParameters {
    /// The parameters with this escalation judge, versioned anew (the version hashes the judge too).
    public func with(escalationJudge judge: EscalationJudge) -> ControllerParameters {
        var copy = self
        copy.escalationJudge = judge
        copy.version = "trained-\(StableHash.hex(PolicyTrainer.fingerprint(copy)).prefix(12))"
        return copy
    }
}
