import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Out-of-fold evaluation: fold reports joined into per-task results over the whole task set, spreads over seeds,
/// paired differences with bootstrap intervals, and the out-of-fold APGR.
@Suite(.timeLimit(.minutes(5))) struct OutOfFoldEvaluationTests {
    typealias Result = ControllerEvaluation.TaskResult

    /// A fold's report: per strategy, its results on the fold's tasks; ratings of the dearer model per task.
    static func fold(_ ids: [String], _ rows: [String: [Result]], ratings: [Double]) -> ControllerEvaluation.Report {
        ControllerEvaluation.Report(
            tasks: ids.count,
            costWeight: 10,
            rows: rows.sorted { $0.key < $1.key }.map { name, results in
                ControllerEvaluation.Row(
                    name: name,
                    runs: results.count,
                    accuracy: nil,
                    meanCostUSD: 0,
                    utility: 0,
                    choiceShares: [:],
                    choiceSharesByDomain: [:],
                    perTask: results
                )
            },
            curve: nil,
            taskIDs: ids,
            dearerRatings: ratings,
            ratedModels: ["cheap", "dear"]
        )
    }

    static let right = Result(score: 1, costUSD: 0.01)
    static let wrong = Result(score: 0, costUSD: 0.01)
    static let dearRight = Result(score: 1, costUSD: 0.02)
    static let dearWrong = Result(score: 0, costUSD: 0.02)

    /// Four tasks in two folds, two seeds that fold them differently. The cheap model is right on a and b, the dear
    /// one on a, c and d; the controller is right on c and d only in seed 0's folds, on all four in seed 1's.
    static var reports: [[ControllerEvaluation.Report]] {
        let cheap: [String: Result] = ["a": right, "b": right, "c": wrong, "d": wrong]
        let dear: [String: Result] = ["a": dearRight, "b": dearWrong, "c": dearRight, "d": dearRight]
        let prior = cheap
        func report(_ ids: [String], controller: [String: Result], ratings: [String: Double]) -> ControllerEvaluation.Report {
            fold(
                ids,
                [
                    "controller v1": ids.map { controller[$0]! }, "prior": ids.map { prior[$0]! },
                    "only cheap": ids.map { cheap[$0]! }, "only dear": ids.map { dear[$0]! },
                ],
                ratings: ids.map { ratings[$0]! }
            )
        }
        // Seed 0 ranks c and d (where only the dear model is right) first: APGR 1 would need exactly that order.
        let seed0: [String: Result] = ["a": wrong, "b": wrong, "c": dearRight, "d": dearRight]
        let seed1: [String: Result] = ["a": right, "b": right, "c": dearRight, "d": dearRight]
        let good = ["a": 0.2, "b": 0.1, "c": 0.9, "d": 0.8]
        return [
            [report(["a", "c"], controller: seed0, ratings: good), report(["b", "d"], controller: seed0, ratings: good)],
            [report(["d"], controller: seed1, ratings: good), report(["a", "b", "c"], controller: seed1, ratings: good)],
        ]
    }

    @Test func foldsAreJoinedIntoEveryTaskAndComparedPairedWithIntervals() throws {
        let summary = OutOfFoldEvaluation(folds: 2, seeds: [0, 1], reports: Self.reports, bootstrapSamples: 400)
        #expect(summary.tasks == 4)
        #expect(summary.strategies.map(\.name) == ["controller", "prior", "only cheap", "only dear"])
        let controller = try #require(summary.strategies.first)
        // Seed 0: 2 of 4 right at 0.01, 0.01, 0.02, 0.02 → 0.5 − 10 × 0.015; seed 1: 4 of 4 → 1 − 0.15.
        #expect(abs(controller.utility.min - 0.35) < 1e-9 && abs(controller.utility.max - 0.85) < 1e-9)
        #expect(abs((controller.accuracy?.mean ?? 0) - 0.75) < 1e-9)
        // The prior is right on a and b at 0.01: utility 0.5 − 0.1 = 0.4 in both seeds.
        let prior = try #require(summary.differences.first { $0.against == "prior" })
        #expect(zip(prior.bySeed, [-0.05, 0.45]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(prior.bySeed)")
        #expect(abs(prior.mean - 0.2) < 1e-9)
        #expect(prior.interval[0] <= prior.mean && prior.mean <= prior.interval[1] && prior.interval[0] < prior.interval[1])
        // The best single model by mean utility: dear (3 of 4 at 0.02 → 0.55) over cheap (0.4).
        #expect(summary.differences.map(\.against) == ["prior", "only dear"])
        // Both seeds rank c and d first, where only the dearer model is right: the whole gap recovered at once.
        let apgr = try #require(controller.apgr)
        #expect(apgr.min > 0.7 && apgr.max == apgr.min)
        #expect(summary.strategies.dropFirst().allSatisfy { $0.apgr == nil })
    }

    @Test func withoutAControllerThereAreNoDifferences() {
        let reports = Self.reports.map { seed in
            seed.map { report in
                var copy = report
                copy.rows.removeAll { $0.name.hasPrefix("controller ") }
                return copy
            }
        }
        let summary = OutOfFoldEvaluation(folds: 2, seeds: [0, 1], reports: reports)
        #expect(summary.differences.isEmpty && summary.strategies.map(\.name) == ["prior", "only cheap", "only dear"])
    }
}
