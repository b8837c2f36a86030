extension OrchestrationTask {
    enum CodingKeys: String, CodingKey {
        case id, query, domain, expected, budget, constraints, faults, tests
        case declaredAnswerKind = "answerKind"
    }

    /// Decodes a task as the trace store keeps it; fields added after a task was stored (faults, tests, answerKind) default
    /// to none, so older runs stay readable.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            query: try container.decode(String.self, forKey: .query),
            domain: try container.decodeIfPresent(Domain.self, forKey: .domain),
            expected: try container.decodeIfPresent(ExpectedAnswer.self, forKey: .expected),
            budget: try container.decodeIfPresent(Budget.self, forKey: .budget) ?? Budget(),
            constraints: try container.decodeIfPresent(Constraints.self, forKey: .constraints) ?? Constraints(),
            faults: try container.decodeIfPresent([FaultSpec].self, forKey: .faults) ?? [],
            tests: try container.decodeIfPresent(CodeTests.self, forKey: .tests),
            declaredAnswerKind: try container.decodeIfPresent(AnswerKind.self, forKey: .declaredAnswerKind)
        )
    }
}
