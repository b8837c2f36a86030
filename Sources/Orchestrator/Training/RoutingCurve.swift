/// RouteLLM's cost–quality curve of a router between a weak and a strong model: questions handed to the strong model
/// in order of the router's score, highest first, and at each share of strong calls the accuracy and the share of
/// the gap between the two models recovered; APGR is the area under the gap-recovered curve (0.5 for random
/// routing). Defined only when the strong model is the more accurate.
public struct RoutingCurve: Sendable, Codable, Equatable {
    /// One point: after this share of questions went to the strong model.
    public struct Point: Sendable, Codable, Equatable {
        public var strongShare: Double
        public var accuracy: Double
        public var gapRecovered: Double
    }

    public var points: [Point]
    public var apgr: Double

    /// The curve for scores (higher: more in need of the strong model; ties by position), or nil when the strong
    /// model is not the more accurate on these questions.
    public init?(scores: [Double], weakCorrect: [Bool], strongCorrect: [Bool]) {
        let n = Double(scores.count)
        guard scores.count == weakCorrect.count, scores.count == strongCorrect.count, n > 0 else { return nil }
        let weak = weakCorrect.map { $0 ? 1.0 : 0 }
        let strong = strongCorrect.map { $0 ? 1.0 : 0 }
        let weakAccuracy = weak.reduce(0, +) / n
        let gap = strong.reduce(0, +) / n - weakAccuracy
        guard gap > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var correct = weak.reduce(0, +)
        var points = [Point(strongShare: 0, accuracy: correct / n, gapRecovered: 0)]
        for (k, index) in order.enumerated() {
            correct += strong[index] - weak[index]
            let accuracy = correct / n
            points.append(Point(strongShare: Double(k + 1) / n, accuracy: accuracy, gapRecovered: (accuracy - weakAccuracy) / gap))
        }
        var area = 0.0
        for index in 1..<points.count {
            area += (points[index].strongShare - points[index - 1].strongShare) * (points[index].gapRecovered + points[index - 1].gapRecovered) / 2
        }
        self.points = points
        apgr = area
    }
}
