import Foundation

/// The strategies of one or more evaluations as points of cost (log scale) against accuracy, with the two-model
/// curve of the first evaluation when it has one, as a self-contained SVG.
public struct FrontierChart: Sendable {
    public var reports: [ControllerEvaluation.Report]
    /// Points given directly (name, mean cost, accuracy), drawn after the reports' rows.
    public var points: [(name: String, cost: Double, accuracy: Double)] = []

    public init(reports: [ControllerEvaluation.Report]) {
        self.reports = reports
    }

    /// Each strategy of an out-of-fold evaluation at its mean cost and accuracy over the seeds.
    public init(outOfFold evaluation: OutOfFoldEvaluation) {
        reports = []
        points = evaluation.strategies.compactMap { strategy in
            strategy.accuracy.map { (name: strategy.name, cost: strategy.meanCostUSD.mean, accuracy: $0.mean) }
        }
    }

    /// The chart as SVG text.
    public func svg() -> String {
        let width = 640.0
        let height = 420.0
        let margin = 60.0
        let points =
            reports.flatMap { report in
                report.rows.compactMap { row in row.accuracy.map { (name: row.name, cost: max(row.meanCostUSD, 1e-7), accuracy: $0) } }
            } + self.points.map { (name: $0.name, cost: max($0.cost, 1e-7), accuracy: $0.accuracy) }
        let costs = points.map { log10($0.cost) }
        let low = (costs.min() ?? -6).rounded(.down)
        let high = max(low + 1, (costs.max() ?? -2).rounded(.up))
        func x(_ cost: Double) -> Double { margin + (log10(max(cost, 1e-7)) - low) / (high - low) * (width - 2 * margin) }
        func y(_ accuracy: Double) -> Double { height - margin - accuracy * (height - 2 * margin) }
        var body = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" font-family="sans-serif" font-size="11">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<line x1="\#(margin)" y1="\#(height - margin)" x2="\#(width - margin)" y2="\#(height - margin)" stroke="black"/>"#,
            #"<line x1="\#(margin)" y1="\#(margin)" x2="\#(margin)" y2="\#(height - margin)" stroke="black"/>"#,
            #"<text x="\#(width / 2)" y="\#(height - 15)" text-anchor="middle">mean cost per task, US dollars (log scale)</text>"#,
            #"<text x="15" y="\#(height / 2)" transform="rotate(-90 15 \#(height / 2))" text-anchor="middle">accuracy</text>"#,
        ]
        for exponent in stride(from: low, through: high, by: 1) {
            body.append(#"<text x="\#(x(pow(10, exponent)))" y="\#(height - margin + 15)" text-anchor="middle">1e\#(Int(exponent))</text>"#)
        }
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            body.append(#"<text x="\#(margin - 8)" y="\#(y(tick) + 4)" text-anchor="end">\#(Int(tick * 100))%</text>"#)
        }
        if let report = reports.first, let curve = report.curve,
            let weak = report.rows.first(where: { $0.name == "only \(curve.weakModel)" }),
            let strong = report.rows.first(where: { $0.name == "only \(curve.strongModel)" })
        {
            let path = curve.points.map { point -> String in
                let cost = weak.meanCostUSD * (1 - point.strongShare) + strong.meanCostUSD * point.strongShare
                return String(format: "%.1f,%.1f", x(cost), y(point.accuracy))
            }
            body.append(##"<polyline fill="none" stroke="#888" stroke-dasharray="4 3" points="\##(path.joined(separator: " "))"/>"##)
        }
        // Labels above their point, moved down a line at a time while they would overlap one already placed.
        var placed: [(x: Double, y: Double, width: Double)] = []
        for point in points {
            let name = point.name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            // The evaluated controller stands out from the baselines.
            let colour = point.name.hasPrefix("controller") ? "#d62728" : "#1f77b4"
            body.append(##"<circle cx="\##(x(point.cost))" cy="\##(y(point.accuracy))" r="4" fill="\##(colour)"><title>\##(name)</title></circle>"##)
            let labelX = x(point.cost) + 6
            let width = 6.0 * Double(point.name.count)
            var labelY = y(point.accuracy) - 6
            while placed.contains(where: { abs($0.y - labelY) < 12 && labelX < $0.x + $0.width && $0.x < labelX + width }) {
                labelY += 12
            }
            placed.append((labelX, labelY, width))
            body.append(#"<text x="\#(labelX)" y="\#(labelY)">\#(name)</text>"#)
        }
        body.append("</svg>")
        return body.joined(separator: "\n") + "\n"
    }
}
