import GRDB

extension EscalationJudge {
    /// Labelled answers from recorded outcomes: every model's recorded response on every question (full
    /// information: each model's result on the same questions). Models are keyed by their fleet name where
    /// `fleet` names them (`modelID` → name), else by the recordings' name.
    public static func examples(from outcomes: RecordedOutcomes, fleet: Fleet? = nil) -> [Example] {
        let names = fleet?.namesByModelID ?? [:]
        var examples: [Example] = []
        for item in outcomes.items {
            let kind = item.kind
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

/// One agent's answer in a stored run that can be scored.
struct ScoredAnswer: Sendable {
    var model: String
    /// Nil for a recorded outcome that kept no text.
    var response: String?
    var kind: AnswerKind
    var query: String
    /// The task's domain, or the one its query suggests.
    var domain: Domain
    var correct: Bool
    var taskID: String
}

extension TraceStore {
    /// Labelled answers from stored runs: every agent's message (turns, not re-asks or injected faults; replays
    /// left out) of a run that can be scored, right when its own answer scores 1 against the task's expected answer
    /// (or, without one, when its recorded judgement says so). The newest `limit` messages when given.
    public func judgeExamples(limit: Int? = nil) async throws -> [EscalationJudge.Example] {
        // An answer without text (a recorded outcome that kept none) has nothing for the judge to read.
        try await scoredAnswers(limit: limit).compactMap { answer in
            answer.response.map {
                EscalationJudge.Example(
                    model: answer.model,
                    response: $0,
                    kind: answer.kind,
                    query: answer.query,
                    correct: answer.correct,
                    taskID: answer.taskID
                )
            }
        }
    }

    /// Who was right on which query, for the outcome model: the same answers the judge learns from, with their task.
    public func outcomeExamples() async throws -> [(taskID: String, example: OutcomeModel.Example)] {
        try await scoredAnswers().map { ($0.taskID, OutcomeModel.Example(model: $0.model, query: $0.query, correct: $0.correct)) }
    }

    /// Each model's accuracy per domain over the same answers the judge learns from.
    public func qualityCalibration(source: String) async throws -> QualityCalibration {
        QualityCalibration(source: source, answers: try await scoredAnswers().map { ($0.model, $0.domain, $0.correct) })
    }

    /// The scored answers, oldest first.
    func scoredAnswers(limit: Int? = nil) async throws -> [ScoredAnswer] {
        let rows = try await rows(
            TraceQuery(
                """
                SELECT m."model", m."response", m."answer", m."recordedCorrect", r."taskID", r."query", r."domain", r."answerKind",
                       r."expectedAnswer"
                FROM "messages" AS m JOIN "runs" AS r ON r."id" = m."runID"
                WHERE m."purpose" = 'turn' AND (m."response" IS NOT NULL OR m."recordedCorrect" IS NOT NULL) AND m."error" IS NULL
                  AND r."replayOf" IS NULL
                  AND (r."expectedAnswer" IS NOT NULL OR m."recordedCorrect" IS NOT NULL)
                ORDER BY m."id" DESC
                """ + (limit == nil ? "" : " LIMIT ?"),
                limit.map { [.integer(Int64($0))] } ?? []
            )
        )
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
            let query: String = row["query"]
            return ScoredAnswer(
                model: row["model"],
                response: row["response"] as String?,
                kind: kind,
                query: query,
                domain: (row["domain"] as String?).flatMap(Domain.init(rawValue:)) ?? QueryProfile(query: query).inferredDomain,
                correct: correct,
                taskID: row["taskID"]
            )
        }.reversed()
    }
}

extension ControllerParameters {
    /// A version drawn anew from the learned numbers (weights, judge, outcome model), so any change shows.
    mutating func reversion() {
        version = "trained-\(StableHash.hex(PolicyTrainer.fingerprint(self)).prefix(12))"
    }

    /// The parameters with this escalation judge, versioned anew (the version hashes the judge too).
    public func with(escalationJudge judge: EscalationJudge) -> ControllerParameters {
        var copy = self
        copy.escalationJudge = judge
        copy.reversion()
        return copy
    }

    /// The parameters with this outcome model for the model stage, versioned anew.
    public func with(outcomeModel model: OutcomeModel) -> ControllerParameters {
        var copy = self
        copy.outcomeModel = model
        copy.reversion()
        return copy
    }
}
