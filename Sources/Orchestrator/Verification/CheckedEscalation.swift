import Foundation

/// Checked escalation on recorded outcomes: a cheap model answers first, its real response goes through the
/// deterministic checks, and only a response that fails them is sent on to a strong model.
///
/// It is judged against always-cheap, always-strong and the oracle (the strong model only where the cheap one
/// was wrong) on the same questions, with correctness as the dataset recorded it and cost from the fleet's
/// prices over estimated tokens (the query in, the recorded response out).
public struct CheckedEscalation: Sendable {
    /// Which check outcomes send a question on to the strong model.
    public enum Trigger: String, Sendable, CaseIterable {
        /// A failed format or arithmetic check.
        case failedChecks = "failed-checks"
        /// A failed check, or a numeric answer no working backs (`support` unsupported).
        case failedOrUnsupported = "failed-or-unsupported"
    }

    /// One routing strategy's totals.
    public struct Strategy: Sendable, Codable, Equatable {
        public var name: String
        public var correct: Int
        public var questions: Int
        public var costUSD: Double
        /// Questions the strong model answered.
        public var strongCalls: Int

        public var accuracy: Double { questions > 0 ? Double(correct) / Double(questions) : 0 }
    }

    /// How well a trigger's checks separate the cheap model's wrong answers from its right ones.
    public struct Detection: Sendable, Codable, Equatable {
        public var trigger: String
        /// Wrong cheap answers the checks flagged, of all wrong cheap answers.
        public var caught: Int
        public var wrong: Int
        /// Right cheap answers the checks flagged, of all right cheap answers.
        public var falseAlarms: Int
        public var right: Int

        /// The share of wrong cheap answers caught.
        public var catchRate: Double { wrong > 0 ? Double(caught) / Double(wrong) : 0 }
        /// The share of right cheap answers flagged.
        public var falseAlarmRate: Double { right > 0 ? Double(falseAlarms) / Double(right) : 0 }
    }

    /// The whole comparison.
    public struct Report: Sendable, Codable, Equatable {
        public var dataset: String
        public var cheapModel: String
        public var strongModel: String
        /// Questions where both models have a recorded response.
        public var questions: Int
        public var strategies: [Strategy]
        public var detections: [Detection]
        /// Flags per check (format, arithmetic, support) over all cheap responses.
        public var flagsByCheck: [String: Int]
        /// Every flagged cheap response: the question, whether the cheap answer was right, and what was found.
        public var flagged: [Flag]
    }

    /// A cheap response the checks doubted.
    public struct Flag: Sendable, Codable, Equatable {
        public var id: String
        /// Whether the dataset judged the cheap answer right (a false alarm) or wrong (a catch).
        public var cheapCorrect: Bool
        public var detail: String
    }

    public let cheap: ModelSpec
    public let strong: ModelSpec

    public init(cheap: ModelSpec, strong: ModelSpec) {
        self.cheap = cheap
        self.strong = strong
    }

    /// Runs the comparison over every question of `dataset` that both models answered with a recorded response.
    public func evaluate(_ outcomes: RecordedOutcomes, dataset: String) -> Report {
        var strategies = [
            Strategy(name: "always \(cheap.name)", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
            Strategy(name: "always \(strong.name)", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
            Strategy(name: "oracle", correct: 0, questions: 0, costUSD: 0, strongCalls: 0),
        ]
        let triggers = Trigger.allCases
        for trigger in triggers {
            strategies.append(Strategy(name: "checked (\(trigger.rawValue))", correct: 0, questions: 0, costUSD: 0, strongCalls: 0))
        }
        var detections = triggers.map { Detection(trigger: $0.rawValue, caught: 0, wrong: 0, falseAlarms: 0, right: 0) }
        var flagsByCheck: [String: Int] = [:]
        var questions = 0
        var flagged: [Flag] = []

        for item in outcomes.items where item.dataset == dataset {
            guard let first = item.outcomes[cheap.modelID], let firstText = first.response,
                let second = item.outcomes[strong.modelID], let secondText = second.response
            else { continue }
            questions += 1
            let kind = item.kind
            let results = MessageVerifier.check(response: firstText, kind: kind, query: item.query)
            for result in results where result.outcome == .failed || result.outcome == .unsupported {
                flagsByCheck[result.check.rawValue, default: 0] += 1
            }
            if results.hasDoubt {
                flagged.append(Flag(id: item.id, cheapCorrect: first.correct, detail: results.doubts))
            }
            let cheapCost = cost(of: cheap, query: item.query, response: firstText)
            let strongCost = cost(of: strong, query: item.query, response: secondText)

            strategies[0].add(correct: first.correct, cost: cheapCost, strong: false)
            strategies[1].add(correct: second.correct, cost: strongCost, strong: true)
            let oracleUsesStrong = !first.correct && second.correct
            strategies[2].add(
                correct: first.correct || second.correct,
                cost: cheapCost + (oracleUsesStrong ? strongCost : 0),
                strong: oracleUsesStrong
            )
            for (index, trigger) in triggers.enumerated() {
                let flagged = Self.flags(results, trigger: trigger)
                strategies[3 + index].add(
                    correct: flagged ? second.correct : first.correct,
                    cost: cheapCost + (flagged ? strongCost : 0),
                    strong: flagged
                )
                if first.correct {
                    detections[index].right += 1
                    if flagged { detections[index].falseAlarms += 1 }
                } else {
                    detections[index].wrong += 1
                    if flagged { detections[index].caught += 1 }
                }
            }
        }
        return Report(
            dataset: dataset,
            cheapModel: cheap.name,
            strongModel: strong.name,
            questions: questions,
            strategies: strategies,
            detections: detections,
            flagsByCheck: flagsByCheck,
            flagged: flagged
        )
    }

    /// Whether a cheap response's check results send it on under a trigger.
    static func flags(_ results: [CheckResult], trigger: Trigger) -> Bool {
        switch trigger {
        case .failedChecks: results.hasFailure
        case .failedOrUnsupported: results.hasDoubt
        }
    }

    private func cost(of model: ModelSpec, query: String, response: String) -> Double {
        model.cost(promptTokens: TokenUsage.estimate(query), completionTokens: TokenUsage.estimate(response))
    }
}

extension CheckedEscalation.Strategy {
    mutating func add(correct: Bool, cost: Double, strong: Bool) {
        questions += 1
        if correct { self.correct += 1 }
        costUSD += cost
        if strong { strongCalls += 1 }
    }
}
