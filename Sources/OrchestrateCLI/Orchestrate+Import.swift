import ArgumentParser
import Foundation
import Orchestrator

extension Orchestrate {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn recorded-outcomes datasets into task sets.",
            subcommands: [RouteLLM.self]
        )
    }
}

extension Orchestrate.Import {
    struct RouteLLM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "routellm",
            abstract: "Write RouteLLM's GSM8K and MMLU outcomes as task sets (gsm8k.jsonl, mmlu.jsonl).",
            discussion: """
                DATA is RouteLLM's evals folder (gsm8k_responses.csv, gsm8k_test.jsonl, mmlu/). The task sets are \
                derived from that data: write them outside the repository or under the git-ignored Datasets/ \
                folder, never commit them. Run them with --fleet Workflows/fleets/recorded-routellm.json \
                --recordings DATA.
                """
        )

        @Argument(help: "RouteLLM's evals folder, such as ../shared/data/routellm.")
        var data: String

        @Option(name: .long, help: "The folder to write the task sets to.")
        var output: String = "Datasets/routellm"

        @Option(name: .long, help: "Write at most this many tasks of each dataset.")
        var limit: Int?

        func run() async throws {
            let outcomes: RecordedOutcomes
            do {
                outcomes = try RouteLLMDataset.load(directory: data)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for dataset in outcomes.datasets {
                let path = (output as NSString).appendingPathComponent("\(dataset).jsonl")
                let text = outcomes.taskSetJSONL(dataset: dataset, limit: limit)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                let count = text.split(separator: "\n").count
                let accuracy = outcomes.accuracy(dataset: dataset).sorted { $0.key < $1.key }
                    .map { "\($0.key) \(String(format: "%.2f", $0.value * 100))%" }.joined(separator: " · ")
                var line = "\(dataset): \(count) tasks → \(path)   recorded accuracy: \(accuracy)"
                if let skipped = outcomes.duplicates[dataset] {
                    let conflicting = outcomes.conflictingDuplicates[dataset] ?? 0
                    line += "   (\(skipped) repeated questions skipped, \(conflicting) of them with other outcomes; the first is kept)"
                }
                print(line)
            }
        }
    }
}
