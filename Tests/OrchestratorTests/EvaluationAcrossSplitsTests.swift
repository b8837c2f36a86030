import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Evaluations over several splits: spreads, paired differences and the frontier chart.
@Suite(.timeLimit(.minutes(5))) struct EvaluationAcrossSplitsTests {
    static func row(_ name: String, utility: Double, accuracy: Double, cost: Double) -> ControllerEvaluation.Row {
        ControllerEvaluation.Row(
            name: name,
            runs: 10,
            accuracy: accuracy,
            meanCostUSD: cost,
            utility: utility,
            choiceShares: [:],
            choiceSharesByDomain: [:]
        )
    }

    static let reports = [
        ControllerEvaluation.Report(
            tasks: 10,
            costWeight: 1,
            rows: [
                row("controller trained-a", utility: 0.70, accuracy: 0.72, cost: 0.02),
                row("prior", utility: 0.60, accuracy: 0.61, cost: 0.01),
                row("only cheap", utility: 0.55, accuracy: 0.55, cost: 0.001),
                row("only dear", utility: 0.75, accuracy: 0.80, cost: 0.05),
            ],
            curve: nil
        ),
        ControllerEvaluation.Report(
            tasks: 10,
            costWeight: 1,
            rows: [
                row("controller trained-b", utility: 0.66, accuracy: 0.70, cost: 0.04),
                row("prior", utility: 0.68, accuracy: 0.69, cost: 0.01),
                row("only cheap", utility: 0.62, accuracy: 0.62, cost: 0.001),
                row("only dear", utility: 0.64, accuracy: 0.70, cost: 0.06),
            ],
            curve: nil
        ),
    ]

    @Test func spreadsAndPairedDifferencesComeFromEachSplit() throws {
        let summary = EvaluationAcrossSplits(seeds: [0, 1], reports: Self.reports)
        #expect(summary.strategies.map(\.name) == ["controller", "prior", "only cheap", "only dear"])
        let controller = try #require(summary.strategies.first)
        #expect(abs(controller.utility.mean - 0.68) < 1e-12 && controller.utility.min == 0.66 && controller.utility.max == 0.70)
        #expect(abs((controller.accuracy?.mean ?? 0) - 0.71) < 1e-12)
        // Split 0: 0.70 − 0.60 and 0.70 − 0.75 (dear); split 1: 0.66 − 0.68 and 0.66 − 0.64 (dear again).
        #expect(zip(summary.controllerOverPrior, [0.10, -0.02]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(summary.controllerOverBestSingle, [-0.05, 0.02]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func theChartPlacesEveryStrategyAndIsWellFormed() throws {
        let svg = FrontierChart(reports: [Self.reports[0]]).svg()
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "the SVG is well-formed XML")
        #expect(svg.components(separatedBy: "<circle").count - 1 == 4)
        // Cheaper strategies sit further left: the cheap model's circle before the dear one's.
        func x(of name: String) -> Double? {
            guard let range = svg.range(of: "<title>\(name)</title>") else { return nil }
            let head = svg[..<range.lowerBound]
            guard let circle = head.range(of: "<circle cx=\"", options: .backwards) else { return nil }
            return Double(head[circle.upperBound...].prefix { $0 != "\"" })
        }
        let cheap = try #require(x(of: "only cheap"))
        let dear = try #require(x(of: "only dear"))
        #expect(cheap < dear)
    }
}
