import Foundation

/// Utility over requests as a self-contained SVG: the rolling mean of each request's utility, with a dashed line
/// where a new controller version first planned a request, and, when given, the same traffic's utility without
/// learning (the control) in grey.
public struct LearningCurveChart: Sendable {
    /// Each request's utility, in the order they were sent.
    public var utilities: [Double]
    /// The request index at which each new version first planned, with its version.
    public var promotions: [(index: Int, version: String)]
    /// Requests in the rolling mean.
    public var window: Int
    /// The control's utilities, request by request (empty: none).
    public var baseline: [Double]

    public init(utilities: [Double], promotions: [(index: Int, version: String)], baseline: [Double] = [], window: Int = 100) {
        self.utilities = utilities
        self.promotions = promotions
        self.baseline = baseline
        self.window = max(1, window)
    }

    /// The rolling mean at each request from the `window`-th on.
    public var rollingMeans: [(index: Int, mean: Double)] { Self.rollingMeans(utilities, window: window) }

    static func rollingMeans(_ utilities: [Double], window: Int) -> [(index: Int, mean: Double)] {
        guard utilities.count >= window else { return [] }
        var sum = utilities.prefix(window).reduce(0, +)
        var means = [(index: window - 1, mean: sum / Double(window))]
        for index in window..<utilities.count {
            sum += utilities[index] - utilities[index - window]
            means.append((index, sum / Double(window)))
        }
        return means
    }

    /// The chart as SVG text.
    public func svg() -> String {
        let width = 720.0
        let height = 380.0
        let margin = 60.0
        let means = rollingMeans
        let control = Self.rollingMeans(baseline, window: window)
        let values = means.map(\.mean) + control.map(\.mean)
        let low = ((values.min() ?? 0) * 20).rounded(.down) / 20
        let high = max(low + 0.05, ((values.max() ?? 1) * 20).rounded(.up) / 20)
        let count = Double(max(1, utilities.count - 1))
        func x(_ index: Int) -> Double { margin + Double(index) / count * (width - 2 * margin) }
        func y(_ value: Double) -> Double { height - margin - (value - low) / (high - low) * (height - 2 * margin) }
        var body = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" font-family="sans-serif" font-size="11">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<line x1="\#(margin)" y1="\#(height - margin)" x2="\#(width - margin)" y2="\#(height - margin)" stroke="black"/>"#,
            #"<line x1="\#(margin)" y1="\#(margin)" x2="\#(margin)" y2="\#(height - margin)" stroke="black"/>"#,
            #"<text x="\#(width / 2)" y="\#(height - 15)" text-anchor="middle">requests</text>"#,
            #"<text x="15" y="\#(height / 2)" transform="rotate(-90 15 \#(height / 2))" text-anchor="middle">utility, mean of the last \#(window) requests</text>"#,
        ]
        for tick in stride(from: low, through: high + 1e-9, by: 0.05) {
            body.append(#"<text x="\#(margin - 8)" y="\#(y(tick) + 4)" text-anchor="end">\#(String(format: "%.2f", tick))</text>"#)
        }
        let step = max(1, utilities.count / 5 / 100 * 100)
        for index in stride(from: 0, through: utilities.count, by: step) {
            body.append(#"<text x="\#(x(index))" y="\#(height - margin + 15)" text-anchor="middle">\#(index)</text>"#)
        }
        for (number, promotion) in promotions.enumerated() {
            let position = x(promotion.index)
            body.append(
                ##"<line x1="\##(position)" y1="\##(margin)" x2="\##(position)" y2="\##(height - margin)" stroke="#c33" stroke-dasharray="4 3"/>"##
            )
            let label = String(promotion.version.prefix(24)).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            body.append(
                ##"<text x="\##(position + 3)" y="\##(margin + 12 + Double(number % 4) * 12)" fill="#c33">\##(label)</text>"##
            )
        }
        if !control.isEmpty {
            let path = control.map { String(format: "%.1f,%.1f", x($0.index), y($0.mean)) }.joined(separator: " ")
            body.append(##"<polyline fill="none" stroke="#999" stroke-width="1.2" points="\##(path)"/>"##)
            body.append(
                ##"<text x="\##(width - margin)" y="\##(height - margin - 8)" text-anchor="end" fill="#777">grey: the same traffic without --learn</text>"##
            )
        }
        let path = means.map { String(format: "%.1f,%.1f", x($0.index), y($0.mean)) }.joined(separator: " ")
        body.append(##"<polyline fill="none" stroke="#236" stroke-width="1.5" points="\##(path)"/>"##)
        body.append("</svg>")
        return body.joined(separator: "\n") + "\n"
    }
}
