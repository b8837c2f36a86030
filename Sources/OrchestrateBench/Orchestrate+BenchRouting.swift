import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct Routing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Routing before any model answers, out-of-fold on recorded outcomes: the outcome model against the prior.",
            discussion: """
                Every question both models answered is scored by an outcome model (logistic regressions over TF-IDF \
                of the query and the prior's profile features, predicting whether each model is right) fitted on the \
                other folds; questions go to the dearer model in order of its expected gain. APGR over all questions \
                against the prior's difficulty ordering, with a paired bootstrap interval of the difference. No model \
                is called.
                """
        )

        @OptionGroup var recorded: RecordedBenchOptions

        @Option(name: .long, help: "Only these datasets of the recordings, comma-separated (default: all).")
        var datasets: String?

        @Option(name: .long, help: "Questions per dataset (the first N), as in import --limit.")
        var limit: Int?

        @Option(name: .long, help: "Folds.")
        var folds: Int = 5

        @Option(name: .long, help: "Repeat seeds of the fold assignment, comma-separated.")
        var seeds: String = "0,1,2"

        @Option(name: .long, help: "Bootstrap samples of the paired difference.")
        var bootstrap: Int = 1000

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            let study: PreRoutingStudy
            let seedList: [UInt64]
            let grading: String
            do {
                let catalog = try recorded.catalog()
                let byPrice = catalog.fleet.models.sorted { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
                guard byPrice.count >= 2, let cheap = byPrice.first, let dear = byPrice.last else {
                    throw CommandInputError("\(recorded.fleet): expected a fleet of two models")
                }
                let (outcomes, regrading) = try recorded.outcomes()
                grading = recorded.gradingNote(regrading)
                let chosen = datasets.map { Set($0.split(separator: ",").map(String.init)) } ?? Set(outcomes.datasets)
                var kept = RecordedOutcomes()
                var perDataset: [String: Int] = [:]
                for item in outcomes.items where chosen.contains(item.dataset) {
                    if let limit, perDataset[item.dataset, default: 0] >= limit { continue }
                    perDataset[item.dataset, default: 0] += 1
                    kept.add(item)
                }
                study = PreRoutingStudy(outcomes: kept, cheapModelID: cheap.modelID, dearModelID: dear.modelID)
                guard !study.questions.isEmpty else {
                    throw CommandInputError("\(recorded.recordings): no question with outcomes of both \(cheap.modelID) and \(dear.modelID)")
                }
                seedList = try CommaSeparated.seeds(seeds, option: "--seeds")
                guard (2...50).contains(folds) else { throw CommandInputError("--folds: expected 2 to 50, got \(folds)") }
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let report = study.evaluate(folds: folds, seeds: seedList, bootstrapSamples: bootstrap)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print(grading)
            print(
                "pre-routing out-of-fold on \(report.questions) recorded questions: \(report.folds) folds × seeds \(report.seeds.map(String.init).joined(separator: ", "))"
            )
            print(
                String(format: "outcome model (expected gain): APGR %.3f", report.modelAPGR) + " · by seed "
                    + report.modelAPGRBySeed.map { String(format: "%.3f", $0) }.joined(separator: ", ")
            )
            print(String(format: "prior (difficulty score):      APGR %.3f", report.priorAPGR))
            print(
                String(
                    format: "difference %+.3f, 95%% bootstrap interval %+.3f to %+.3f (%d paired samples)",
                    report.modelAPGR - report.priorAPGR,
                    report.differenceInterval[0],
                    report.differenceInterval[1],
                    report.bootstrapSamples
                )
            )
        }
    }
}
