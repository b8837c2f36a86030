/// Forms one answer from several.
public enum Aggregator {
    /// The most frequent answer; a tie goes to the tied answer that appears first. Nil for no answers.
    public static func majority(of answers: [String]) -> String? {
        var counts: [String: Int] = [:]
        for answer in answers {
            counts[answer, default: 0] += 1
        }
        guard let best = counts.values.max() else { return nil }
        return answers.first { counts[$0] == best }
    }
}
