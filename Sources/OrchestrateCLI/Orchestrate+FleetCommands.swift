import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate {
    struct FleetCommands: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet",
            abstract: "What the fleet's models are measured to do.",
            subcommands: [Calibrate.self]
        )
    }
}

extension Orchestrate.FleetCommands {
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure each model's accuracy per domain from the stored runs or from recordings and write it for the prior (--quality FILE).",
            discussion: """
                Every agent's turn in a scored run (replays left out) counts for its model in the task's domain (or \
                the domain its query suggests); with --recordings, every recorded outcome counts instead, graded as \
                runs are scored (models named as --fleet names them). run, train, eval and serve read the file with \
                --quality FILE: the prior then weighs each model's measured accuracy instead of exploring.
                """
        )

        @Option(name: .long, help: TraceDatabaseDefault.help)
        var db: String = TraceDatabaseDefault.path

        @Option(
            name: .long,
            help: "Measure from these recorded outcomes (a recorded-outcomes .jsonl file or RouteLLM's folder) instead of stored runs."
        )
        var recordings: String?

        @Option(name: .long, help: "With --recordings: the fleet whose names the models get (by modelID).")
        var fleet: String?

        @Option(name: .long, help: "Where to write the calibration.")
        var output: String = "Traces/quality.json"

        func run() async throws {
            let calibration: QualityCalibration
            if let recordings {
                do {
                    let named = try fleet.map { try CatalogLoader(workflowsDirectory: "Workflows").load(fleetPath: $0).fleet }
                    calibration = QualityCalibration(source: recordings, recorded: try LoadedRecordings.outcomes(at: recordings), fleet: named)
                } catch {
                    printError("error: \(error)")
                    throw ExitCode(2)
                }
            } else {
                let store = try await openTraceStore(db)
                calibration = try await store.qualityCalibration(source: store.name)
            }
            guard !calibration.models.isEmpty else {
                printError("error: \(recordings ?? db): no scored answers to measure (runs need an expected answer or a recorded judgement)")
                throw ExitCode(2)
            }
            let directory = (output as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try calibration.json().write(to: URL(fileURLWithPath: output))
            var rows = [["model", "domain", "accuracy", "answers"]]
            for (model, domains) in calibration.models.sorted(by: { $0.key < $1.key }) {
                for (domain, measure) in domains.sorted(by: { $0.key < $1.key }) {
                    rows.append([model, domain, String(format: "%.1f%%", measure.accuracy * 100), String(measure.answers)])
                }
            }
            printColumns(rows)
            print("→ \(output) (the prior reads measures of at least 20 answers; pass it with --quality)")
        }
    }
}
