import Foundation
import Hummingbird
import Orchestrator

extension TraceViewer {
    /// Accuracy against mean cost a run, for each topology and each model of the scored runs a filter matches.
    struct EvaluationPage {
        struct Point {
            var x: Double
            var y: Double
            var label: String
            var kind: String
            var title: String
        }

        struct Tick {
            var position: Double
            var label: String
        }

        struct Line {
            var kind: String
            var key: String
            var runs: Int
            var accuracy: String
            var cost: String
        }

        var title = "Evaluation"
        var navigation = Navigation(evaluation: true)
        var store: String
        var filters: Filters
        var width = 720.0
        var height = 420.0
        var points: [Point]
        var xTicks: [Tick]
        var yTicks: [Tick]
        var lines: [Line]
        var none: Bool
    }

    func evaluationPage(_ query: Parameters) async throws -> EvaluationPage {
        let (filter, form) = Filters.read(query, defaultLimit: nil)
        var measured: [(kind: String, key: String, runs: Int, accuracy: Double, cost: Double)] = []
        if form.problem.isEmpty {
            for grouping in [TraceStatistics.Grouping.topology, .model] {
                for row in try await store.statistics(by: grouping, filter: filter).rows {
                    guard let accuracy = row.accuracy, row.runs > 0 else { continue }
                    measured.append((grouping.rawValue, row.key, row.runs, accuracy, row.costUSD / Double(row.runs)))
                }
            }
        }
        let (left, top, plotWidth, plotHeight) = (70.0, 20.0, 620.0, 350.0)
        let highest = max(measured.map(\.cost).max() ?? 0, 1e-9) * 1.1
        let points = measured.map { entry in
            EvaluationPage.Point(
                x: left + entry.cost / highest * plotWidth,
                y: top + (1 - entry.accuracy) * plotHeight,
                label: entry.key,
                kind: entry.kind,
                title:
                    "\(entry.kind) \(entry.key): \(String(format: "%.1f%%", entry.accuracy * 100)) of \(entry.runs) runs at $\(String(format: "%.6f", entry.cost)) a run"
            )
        }
        return EvaluationPage(
            store: store.name,
            filters: form,
            points: points,
            xTicks: (0...4).map {
                EvaluationPage.Tick(position: left + Double($0) / 4 * plotWidth, label: String(format: "$%.5f", highest * Double($0) / 4))
            },
            yTicks: (0...4).map { EvaluationPage.Tick(position: top + (1 - Double($0) / 4) * plotHeight, label: "\($0 * 25)%") },
            lines: measured.map {
                EvaluationPage.Line(
                    kind: $0.kind,
                    key: $0.key,
                    runs: $0.runs,
                    accuracy: String(format: "%.1f%%", $0.accuracy * 100),
                    cost: String(format: "%.6f", $0.cost)
                )
            },
            none: measured.isEmpty
        )
    }
}
