import Foundation

/// Forms one answer from several.
public enum Aggregator {
    /// The most frequent answer; a tie goes to the tied answer that appears first. Nil for no answers.
    public static func majority(of answers: [String]) -> String? {
        weightedMajority(of: answers.map { ($0, 1) })
    }

    /// The answer with the largest total weight; a tie goes to the tied answer that appears first. Nil for no answers.
    public static func weightedMajority(of answers: [(answer: String, weight: Double)]) -> String? {
        // A vote has a plan's few agents: a list in order of first appearance is cheaper than hashing every answer.
        var distinct: [String] = []
        var totals: [Double] = []
        for (answer, weight) in answers {
            if let index = distinct.firstIndex(of: answer) {
                totals[index] += weight
            } else {
                distinct.append(answer)
                totals.append(weight)
            }
        }
        guard let best = totals.max(), let winner = totals.firstIndex(of: best) else { return nil }
        return distinct[winner]
    }

    /// A vote's weight from its model's reliability (its share of right answers in the domain, learned from recorded
    /// outcomes): the log-odds of being right, plus one so that a model right less than half the time still counts
    /// where there are several options; reliabilities are held within 5% and 95%.
    public static func voteWeight(reliability: Double) -> Double {
        let p = min(0.95, max(0.05, reliability))
        return log(p / (1 - p)) + 1
    }

    /// The final answer of `answers` in order: weighted by each one's reliability when every one has one, else a plain
    /// majority.
    static func vote(_ answers: [(answer: String, reliability: Double?)]) -> String? {
        let reliabilities = answers.compactMap(\.reliability)
        guard reliabilities.count == answers.count, !answers.isEmpty else { return majority(of: answers.map(\.answer)) }
        return weightedMajority(of: answers.map { ($0.answer, voteWeight(reliability: $0.reliability ?? 0.5)) })
    }
}
