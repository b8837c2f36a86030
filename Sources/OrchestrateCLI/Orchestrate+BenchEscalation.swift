import ArgumentParser
import Foundation
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

        @Option(name: .long, help: "Recorded outcomes: a general-format .jsonl file or RouteLLM's folder, such as ../shared/data/routellm.")
        var recordings: String

        @Option(name: .long, help: "The fleet file with the recorded models and their prices.")
        var fleet: String = "Workflows/fleets/recorded-routellm.json"

        @Option(name: .long, help: "The workflows folder.")
        var workflows: String = "Workflows"

        @Option(name: .long, help: "The dataset of the recordings to use.")
        var dataset: String = "gsm8k"

        @Option(name: .long, help: "The fleet's cheap model (default: the fleet's cheapest).")
        var cheap: String?

        @Option(name: .long, help: "The fleet's strong model (default: the fleet's dearest).")
        var strong: String?

        @Option(name: .long, help: "Also list this many flagged responses of each kind (false alarms, catches) with what was found.")
        var examples: Int = 0

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            let report: CheckedEscalation.Report
            do {
                report = try makeReport()
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            try print(report)
        }

        private func makeReport() throws -> CheckedEscalation.Report {
            let catalog = try CatalogLoader(workflowsDirectory: workflows).load(fleetPath: fleet)
            let byPrice = catalog.fleet.models.sorted { $0.blendedPricePerMillion < $1.blendedPricePerMillion }
            guard let cheapModel = try model(named: cheap, in: catalog.fleet) ?? byPrice.first,
                let strongModel = try model(named: strong, in: catalog.fleet) ?? byPrice.last, cheapModel.name != strongModel.name
            else {
                throw CommandInputError("\(fleet): expected a fleet with two different models to escalate between")
            }
            let outcomes = try RecordedOutcomes.load(path: recordings)
            guard outcomes.datasets.contains(dataset) else {
                throw CommandInputError("\(recordings): no dataset '\(dataset)'; it has \(outcomes.datasets.joined(separator: ", "))")
            }
            let report = CheckedEscalation(cheap: cheapModel, strong: strongModel).evaluate(outcomes, dataset: dataset)
            guard report.questions > 0 else {
                throw CommandInputError(
                    "\(recordings): dataset '\(dataset)' keeps no responses of both \(cheapModel.modelID) and \(strongModel.modelID); checks need response text"
                )
            }
            return report
        }

        private func print(_ report: CheckedEscalation.Report) throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                Swift.print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
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

        private func model(named name: String?, in fleet: Fleet) throws -> ModelSpec? {
            guard let name else { return nil }
            guard let model = fleet.model(named: name) else {
                throw CommandInputError("\(self.fleet): no model '\(name)'; the fleet has \(fleet.models.map(\.name).joined(separator: ", "))")
            }
            return model
        }
    }
}
