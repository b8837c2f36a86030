import Foundation

/// What real models answered on a benchmark, question by question: whether each was right and, where the
/// dataset kept it, the full response. The recorded provider answers from it, so routing can be trained and
/// judged on real model behaviour without calling the models again.
public struct RecordedOutcomes: Sendable {
    /// One model's recorded outcome on one question.
    public struct Outcome: Sendable, Equatable {
        /// Whether the dataset judged the answer correct.
        public var correct: Bool
        /// The model's full response, when the dataset kept it.
        public var response: String?
        /// Tokens of the prompt and of the response as the model's provider counted them, when recorded.
        public var promptTokens: Int?
        public var completionTokens: Int?
        /// What the call cost, when recorded.
        public var costUSD: Double?

        public init(correct: Bool, response: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil, costUSD: Double? = nil) {
            self.correct = correct
            self.response = response
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.costUSD = costUSD
        }
    }

    /// One question and every model's outcome on it.
    public struct Item: Sendable {
        /// The benchmark, such as `gsm8k` or `mmlu`.
        public var dataset: String
        /// A stable id, such as `gsm8k-0001` or `mmlu-astronomy-0012`.
        public var id: String
        /// The question exactly as the models were asked it.
        public var query: String
        /// The right answer, when the dataset has it.
        public var expected: ExpectedAnswer?
        /// The task domain of the question.
        public var domain: Domain
        /// Outcomes by the dataset's model name.
        public var outcomes: [String: Outcome]
        /// How answers are read when no expected answer is known (a choice task nobody answered right); nil for the
        /// expected answer's kind, else the domain's usual kind.
        public var answerKind: AnswerKind?

        public init(
            dataset: String,
            id: String,
            query: String,
            expected: ExpectedAnswer?,
            domain: Domain,
            outcomes: [String: Outcome],
            answerKind: AnswerKind? = nil
        ) {
            self.dataset = dataset
            self.id = id
            self.query = query
            self.expected = expected
            self.domain = domain
            self.outcomes = outcomes
            self.answerKind = answerKind
        }

        /// The kind answers to this question are read as.
        public var kind: AnswerKind {
            expected?.kind ?? answerKind ?? domain.defaultAnswerKind
        }
    }

    /// The questions, in the dataset's order, without duplicates.
    public internal(set) var items: [Item] = []
    /// The models the dataset covers.
    public private(set) var models: Set<String> = []
    /// Questions skipped because the same question came earlier; the first is kept.
    public private(set) var duplicates: [String: Int] = [:]
    /// Duplicated questions whose outcomes differ from the kept one.
    public private(set) var conflictingDuplicates: [String: Int] = [:]
    private var indexByQuery: [String: Int] = [:]

    public init() {}

    /// Adds a question; a question seen before is counted as a duplicate and not added.
    public mutating func add(_ item: Item) {
        let key = Self.key(item.query)
        if let existing = indexByQuery[key] {
            duplicates[item.dataset, default: 0] += 1
            if items[existing].outcomes != item.outcomes {
                conflictingDuplicates[item.dataset, default: 0] += 1
            }
            return
        }
        indexByQuery[key] = items.count
        items.append(item)
        models.formUnion(item.outcomes.keys)
    }

    /// Adds a question, or, for a question seen before, the outcomes of models it does not have yet (the first
    /// outcome of a model on a question is kept).
    public mutating func merge(_ item: Item) {
        guard let existing = indexByQuery[Self.key(item.query)] else {
            add(item)
            return
        }
        for (model, outcome) in item.outcomes where items[existing].outcomes[model] == nil {
            items[existing].outcomes[model] = outcome
            models.insert(model)
        }
    }

    /// The recorded item for a query, if the dataset has it.
    public func item(for query: String) -> Item? {
        indexByQuery[Self.key(query)].map { items[$0] }
    }

    /// Queries are matched with surrounding whitespace ignored.
    static func key(_ query: String) -> String {
        query.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
