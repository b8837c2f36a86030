import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Bench {
    struct Escalation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checked escalation on recorded outcomes: the cheap model first, the strong one when its response fails the checks.",
            discussion: """
                Reads the real recorded responses (RouteLLM's GSM8K), checks each cheap response (answer format, \
                re-computed arithmetic, working that backs the answer) and compares accuracy and cost with \
                always-cheap, always-strong and the oracle. No model is called and nothing is written.
                """
        )

        @OptionGroup var recorded: RecordedBenchOptions

        @Option(name: .long, help: "The dataset of the recordings to use.")
        var dataset: String = "gsm8k"

        @Option(name: .long, help: "The fleet's cheap model (default: the fleet's cheapest).")
        var cheap: String?

        @Option(name: .long, help: "The fleet's strong model (default: the fleet's dearest).")
        var strong: String?

        @Option(name: .long, help: "Also list this many flagged responses of each kind (false alarms, catches) with what was found.")
        var examples: Int = 0

        @Option(name: .long, help: "The share of questions held out from fitting the learned judge.")
        var holdout: Double = 0.3

        @Option(name: .long, help: "The split seeds of the learned cascade, comma-separated.")
        var splitSeeds: String = "0,1,2"

        @Option(name: .long, help: "The learned cascade's budgets, as shares of always-strong's cost, comma-separated.")
        var budgets: String = "0.35,0.6"

        @Flag(name: .long, help: "Leave out the cascade run through the orchestrator (the slowest part).")
        var noRuns = false

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            let report: CheckedEscalation.Report
            let learned: [LearnedEscalation.Report]
            var orchestrated: CascadeEvaluation.Report?
            let grading: String
            do {
                let (outcomes, regrading) = try recorded.outcomes()
                grading = recorded.gradingNote(regrading)
                (report, learned) = try makeReports(outcomes)
                if !noRuns { orchestrated = try await runCascade(outcomes) }
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                let all = AllReports(checked: report, learned: learned, orchestrated: orchestrated)
                Swift.print(String(decoding: try encoder.encode(all), as: UTF8.self))
                return
            }
            Swift.print(grading)
            print(report)
            learned.forEach(print)
            if let orchestrated { print(orchestrated) }
        }

        /// The fixed rule's report, the learned cascade's and the orchestrated cascade's, for JSON.
        struct AllReports: Encodable {
            var checked: CheckedEscalation.Report
            var learned: [LearnedEscalation.Report]
            var orchestrated: CascadeEvaluation.Report?
        }

        /// The trained cascade run through the orchestrator on the held-out questions of each split.
        private func runCascade(_ outcomes: RecordedOutcomes) async throws -> CascadeEvaluation.Report {
            let catalog = try recorded.catalog()
            let (cheapModel, strongModel) = try models(of: catalog.fleet)
            var logger = Logger(label: "orchestrate.bench")
            logger.logLevel = .error
            return try await CascadeEvaluation(
                catalog: catalog,
                outcomes: outcomes,
                cheap: cheapModel,
                strong: strongModel,
                logger: logger
            ).evaluate(dataset: dataset, holdout: holdout, splitSeeds: try seeds(), budgets: try shares())
        }

        /// The cheap and strong models: as named, else the fleet's cheapest and dearest.
        private func models(of fleet: Fleet) throws -> (ModelSpec, ModelSpec) {
            let byPrice = fleet.models.sorted { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
            guard let cheapModel = try model(named: cheap, in: fleet) ?? byPrice.first,
                let strongModel = try model(named: strong, in: fleet) ?? byPrice.last, cheapModel.name != strongModel.name
            else {
                throw CommandInputError("\(recorded.fleet): expected a fleet with two different models to escalate between")
            }
            return (cheapModel, strongModel)
        }

        private func seeds() throws -> [UInt64] {
            try CommaSeparated.seeds(splitSeeds, option: "--split-seeds")
        }

        private func shares() throws -> [Double] {
            try budgets.split(separator: ",").map { text -> Double in
                guard let share = Double(text.trimmingCharacters(in: .whitespaces)), share > 0 else {
                    throw CommandInputError("--budgets: expected shares above 0 separated by commas, got '\(budgets)'")
                }
                return share
            }
        }

        private func makeReports(_ outcomes: RecordedOutcomes) throws -> (CheckedEscalation.Report, [LearnedEscalation.Report]) {
            let catalog = try recorded.catalog()
            let (cheapModel, strongModel) = try models(of: catalog.fleet)
            guard outcomes.datasets.contains(dataset) else {
                throw CommandInputError("\(recorded.recordings): no dataset '\(dataset)'; it has \(outcomes.datasets.joined(separator: ", "))")
            }
            let report = CheckedEscalation(cheap: cheapModel, strong: strongModel).evaluate(outcomes, dataset: dataset)
            guard report.questions > 0 else {
                throw CommandInputError(
                    "\(recorded.recordings): dataset '\(dataset)' keeps no responses of both \(cheapModel.modelID) and \(strongModel.modelID); checks need response text"
                )
            }
            guard holdout > 0, holdout < 1 else { throw CommandInputError("--holdout: expected a share between 0 and 1, got \(holdout)") }
            let seeds = try seeds()
            let shares = try shares()
            let cascade = LearnedEscalation(cheap: cheapModel, strong: strongModel)
            let learned = [false, true].map { shown in
                cascade.evaluate(outcomes, dataset: dataset, holdout: holdout, splitSeeds: seeds, budgets: shares, strongSeesCheapAnswer: shown)
            }
            return (report, learned)
        }

        private func print(_ report: CheckedEscalation.Report) {
            Swift.print(
                "checked escalation on recorded \(report.dataset): \(report.questions) questions, \(report.cheapModel) first, \(report.strongModel) on a failed check"
            )
            let cheapest = report.strategies[0]
            let dearest = report.strategies[1]
            Swift.print("strategy".padding(toLength: 36, withPad: " ", startingAt: 0) + "accuracy   cost (USD)   share of strong cost   strong calls")
            for strategy in report.strategies {
                let share = dearest.costUSD > 0 ? strategy.costUSD / dearest.costUSD : 0
                Swift.print(
                    strategy.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                        + String(
                            format: "%6.2f%%   %10.4f   %19.1f%%   %12d",
                            strategy.accuracy * 100,
                            strategy.costUSD,
                            share * 100,
                            strategy.strongCalls
                        )
                )
            }
            for detection in report.detections {
                Swift.print(
                    String(
                        format: "%@: caught %d of %d wrong %@ answers (%.1f%%); false alarms on %d of %d right ones (%.1f%%)",
                        detection.trigger,
                        detection.caught,
                        detection.wrong,
                        report.cheapModel,
                        detection.catchRate * 100,
                        detection.falseAlarms,
                        detection.right,
                        detection.falseAlarmRate * 100
                    )
                )
            }
            let flags = report.flagsByCheck.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")
            Swift.print("responses flagged per check: \(flags.isEmpty ? "none" : flags)")
            for (label, correct) in [("false alarms", true), ("catches", false)] where examples > 0 {
                Swift.print("\(label):")
                for flag in report.flagged.filter({ $0.cheapCorrect == correct }).prefix(examples) {
                    Swift.print("  \(flag.id): \(flag.detail)")
                }
            }
            if cheapest.questions > 0 {
                Swift.print(String(format: "always-%@ accuracy %.2f%% is the bar to beat", report.cheapModel, cheapest.accuracy * 100))
            }
        }

        private func print(_ report: LearnedEscalation.Report) {
            Swift.print("")
            let seeds = report.splits.map { String($0.seed) }.joined(separator: ", ")
            Swift.print(
                "learned cascade on recorded \(report.dataset): \(report.cheapModel) answers, a judge fitted on the other questions scores it, "
                    + "those it is expected to gain most on go to \(report.strongModel) within a budget; \(Int(report.holdout * 100))% held out, split seeds \(seeds)"
            )
            Swift.print(
                report.strongSeesCheapAnswer
                    ? "cost: \(report.strongModel) is shown the cheap answer (its tokens counted; accuracy as recorded for a fresh call)"
                    : "cost: \(report.strongModel) answers afresh, as it did when recorded"
            )
            let budgetHeads = report.splits.first?.budgets.map { "budget \(Int(($0.target * 100).rounded()))%" } ?? []
            var rows = [["seed", "held out", "AUC", "cheap", "strong", "oracle", "fixed rule"] + budgetHeads]
            func cell(_ point: LearnedEscalation.Point) -> String {
                String(format: "%.2f%% at %.1f%% (%.0f%% up)", point.accuracy * 100, point.costShare * 100, point.escalated * 100)
            }
            for split in report.splits {
                let strategies = split.baselines
                let fixed = strategies[3]
                rows.append(
                    [String(split.seed), String(split.heldOutQuestions), String(format: "%.3f", split.auc)]
                        + strategies.prefix(3).map { String(format: "%.2f%%", $0.accuracy * 100) }
                        + [
                            String(
                                format: "%.2f%% at %.1f%%",
                                fixed.accuracy * 100,
                                split.strongCostUSD > 0 ? fixed.costUSD / split.strongCostUSD * 100 : 0
                            )
                        ]
                        + split.budgets.map(cell)
                )
            }
            let count = Double(max(report.splits.count, 1))
            func mean(_ value: (LearnedEscalation.Split) -> Double) -> Double { report.splits.reduce(0) { $0 + value($1) } / count }
            var meanRow = ["mean", "", String(format: "%.3f", mean(\.auc))]
            meanRow += (0..<3).map { index in String(format: "%.2f%%", mean { $0.baselines[index].accuracy } * 100) }
            meanRow.append(String(format: "%.2f%%", mean { $0.baselines[3].accuracy } * 100))
            for (index, _) in budgetHeads.enumerated() {
                let worst = report.splits.map { $0.budgets[index].accuracy }.min() ?? 0
                meanRow.append(
                    String(
                        format: "%.2f%% at %.1f%% (worst seed %.2f%%)",
                        mean { $0.budgets[index].accuracy } * 100,
                        mean { $0.budgets[index].costShare } * 100,
                        worst * 100
                    )
                )
            }
            rows.append(meanRow)
            printColumns(rows)
            Swift.print("accuracy at escalation shares (mean over seeds; cost as a share of always-\(report.strongModel)):")
            let curve = (report.splits.first?.curve.indices ?? 0..<0).map { index in
                String(
                    format: "%.0f%% → %.2f%% at %.1f%%",
                    (report.splits.first?.curve[index].target ?? 0) * 100,
                    mean { $0.curve[index].accuracy } * 100,
                    mean { $0.curve[index].costShare } * 100
                )
            }
            Swift.print("  " + curve.joined(separator: " · "))
        }

        private func print(_ report: CascadeEvaluation.Report) {
            Swift.print("")
            let seeds = report.splits.map { String($0.seed) }.joined(separator: ", ")
            Swift.print(
                "trained cascade run by the orchestrator on recorded \(report.dataset): topology cascade, \(report.cheapModel) then \(report.strongModel) (shown the first answer and its verdicts), "
                    + "the judge fitted on the training questions, each budget's λ (escalate when gain > λ × estimated cost) chosen there; \(Int(report.holdout * 100))% held out, split seeds \(seeds); costs as recorded by the executor"
            )
            let names = report.splits.first?.rows.map(\.name) ?? []
            var rows = [["seed", "held out"] + names]
            func cell(_ row: CascadeEvaluation.Row) -> String {
                var text = String(format: "%.2f%% at %.1f%%", row.accuracy * 100, row.costShare * 100)
                if let escalated = row.escalated {
                    text += String(format: " (%.0f%% up", escalated * 100) + (row.lambda.map { String(format: ", λ %.0f", $0) } ?? "") + ")"
                }
                return text
            }
            for split in report.splits {
                rows.append([String(split.seed), String(split.heldOutQuestions)] + split.rows.map(cell))
            }
            let count = Double(max(report.splits.count, 1))
            var meanRow = ["mean", ""]
            for index in names.indices {
                let accuracy = report.splits.reduce(0) { $0 + $1.rows[index].accuracy } / count
                let share = report.splits.reduce(0) { $0 + $1.rows[index].costShare } / count
                let worst = report.splits.map { $0.rows[index].accuracy }.min() ?? 0
                meanRow.append(String(format: "%.2f%% at %.1f%% (worst seed %.2f%%)", accuracy * 100, share * 100, worst * 100))
            }
            rows.append(meanRow)
            printColumns(rows)
        }

        private func model(named name: String?, in fleet: Fleet) throws -> ModelSpec? {
            guard let name else { return nil }
            guard let model = fleet.model(named: name) else {
                throw CommandInputError("\(recorded.fleet): no model '\(name)'; the fleet has \(fleet.models.map(\.name).joined(separator: ", "))")
            }
            return model
        }
    }
}
