extension RecordedOutcomes {
    /// The same questions and responses with every model's labels shuffled across questions (each model's own
    /// permutation, so its share of right answers stays) and the expected answers removed (they encode the labels;
    /// runs are then scored by the shuffled record). A learned part fitted and judged on these can only find chance:
    /// any figure above chance from them is a leak. Call it on graded outcomes (`regraded()`), since grading reads the
    /// responses against the expected answers.
    public func withShuffledLabels(seed: UInt64) -> RecordedOutcomes {
        var shuffled = RecordedOutcomes()
        var items = self.items
        for model in models.sorted() {
            let holders = items.indices.filter { items[$0].outcomes[model] != nil }
            var labels = holders.compactMap { items[$0].outcomes[model]?.correct }
            var random = SeededGenerator(seed: seed, labels: ["shuffle", model])
            labels.shuffle(using: &random)
            for (holder, label) in zip(holders, labels) {
                items[holder].outcomes[model]?.correct = label
            }
        }
        for var item in items {
            // Answers are still read as the expected answer's kind.
            item.answerKind = item.answerKind ?? item.expected?.kind
            item.expected = nil
            shuffled.add(item)
        }
        return shuffled
    }
}

extension RecordedOutcomes {
    /// The same questions and responses with every label permuted across all questions and models at once, and the
    /// expected answers removed: only the share of right answers over everything is left, so no model, domain or
    /// question looks better than another but by chance. What a controller fitted on these does is what knowing
    /// nothing does.
    public func withPooledShuffledLabels(seed: UInt64) -> RecordedOutcomes {
        var items = self.items
        let holders = items.indices.flatMap { index in items[index].outcomes.keys.sorted().map { (index, $0) } }
        var labels = holders.compactMap { items[$0.0].outcomes[$0.1]?.correct }
        var random = SeededGenerator(seed: seed, labels: ["shuffle", "pooled"])
        labels.shuffle(using: &random)
        for ((index, model), label) in zip(holders, labels) {
            items[index].outcomes[model]?.correct = label
        }
        var shuffled = RecordedOutcomes()
        for var item in items {
            item.answerKind = item.answerKind ?? item.expected?.kind
            item.expected = nil
            shuffled.add(item)
        }
        return shuffled
    }
}

extension RecordedOutcomes {
    /// The same questions and responses with the answer keys shuffled: each dataset's expected answers permuted across
    /// its questions and every response graded anew against its question's new key (so agents that gave the same
    /// answer are still right or wrong together, as a plan's vote or agreement needs), and, where no answer is
    /// expected, each model's labels permuted across those questions. What a plan gains on these over the best single
    /// model of each domain can only come from what encodes the label.
    public func withShuffledAnswerKeys(seed: UInt64) -> RecordedOutcomes {
        var keyed = RecordedOutcomes()
        var items = self.items
        for dataset in datasets {
            let holders = items.indices.filter { items[$0].dataset == dataset && items[$0].expected != nil }
            var keys = holders.compactMap { items[$0].expected }
            var random = SeededGenerator(seed: seed, labels: ["keys", dataset])
            keys.shuffle(using: &random)
            for (holder, key) in zip(holders, keys) { items[holder].expected = key }
        }
        var unkeyed = RecordedOutcomes()
        for item in items where item.expected == nil { unkeyed.add(item) }
        let relabelled = Dictionary(uniqueKeysWithValues: unkeyed.withShuffledLabels(seed: seed).items.map { ($0.id, $0) })
        for item in items {
            keyed.add(item.expected == nil ? relabelled[item.id] ?? item : item)
        }
        return keyed.regraded().outcomes
    }
}
