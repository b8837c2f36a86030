import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn recorded outcomes into task sets and the general recorded-outcomes format.",
            subcommands: [RouteLLM.self, RouterBench.self, Traces.self]
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

        @Option(name: .long, help: "Also write every recorded outcome in the general format (one task a line) to this file.")
        var outcomes: String?

        func run() async throws {
            let outcomes: RecordedOutcomes
            do {
                outcomes = try RouteLLMDataset.load(directory: data)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            if let path = self.outcomes {
                try RecordedOutcomesFile.jsonl(outcomes).write(toFile: path, atomically: true, encoding: .utf8)
                print("\(outcomes.items.count) tasks × \(outcomes.models.count) models → \(path) (recorded-outcomes format)")
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

extension Orchestrate.Import {
    struct RouterBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "routerbench",
            abstract: "Write RouterBench's recorded outcomes (ARC-Challenge, MBPP, Winogrande; any number of models) in the general format.",
            discussion: """
                Each CSV file is one benchmark as RouterDC ships RouterBench (sample_id, prompt, eval_name, and per model \
                its score, MODEL|model_response and MODEL|total_cost). The file written is both a task set and \
                recordings: `orchestrate run|train|eval FILE --fleet Workflows/fleets/recorded-routerbench.json` \
                answers from it. Models are named by the last part of their name, lower-cased. It is derived from \
                that data: write it outside the repository or under the git-ignored Datasets/ folder.
                """
        )

        @Argument(help: "RouterBench's CSV files, such as ../shared/data/routerbench/*.csv.")
        var files: [String]

        @Option(name: .long, help: "The recorded-outcomes file (.jsonl) to write.")
        var outcomes: String

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one RouterBench CSV file") }
            guard outcomes.hasSuffix(".jsonl") else { throw ValidationError("--outcomes: expected a .jsonl file name, got \(outcomes)") }
        }

        func run() async throws {
            let loaded: (outcomes: RecordedOutcomes, summary: RouterBenchDataset.Summary)
            do {
                loaded = try RouterBenchDataset.load(files: files)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let (outcomes, summary) = loaded
            let folder = (self.outcomes as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try RecordedOutcomesFile.jsonl(outcomes).write(toFile: self.outcomes, atomically: true, encoding: .utf8)
            print("\(outcomes.items.count) tasks × \(outcomes.models.count) models → \(self.outcomes) (recorded-outcomes format)")
            for dataset in outcomes.datasets {
                let count = outcomes.items.filter { $0.dataset == dataset }.count
                let accuracy = outcomes.accuracy(dataset: dataset).sorted { $0.value > $1.value }
                    .map { "\($0.key) \(String(format: "%.1f", $0.value * 100))%" }.joined(separator: " · ")
                print("  \(dataset): \(count) tasks · recorded accuracy: \(accuracy)")
            }
            let regrading = outcomes.regraded().regrading
            print(
                "  \(summary.withoutExpected) choice tasks no model answered right (scored by the record), \(summary.conflictingLetters) whose right answers read as different letters, \(summary.missingOutcomes) outcomes missing from their rows"
            )
            print("  answers read as runs read them disagree with the recorded score on \(regrading.changed) outcomes")
            let duplicates = outcomes.duplicates.values.reduce(0, +)
            if duplicates > 0 { print("  \(duplicates) repeated prompts skipped (the first is kept)") }
        }
    }
}

extension Orchestrate.Import {
    struct Traces: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "traces",
            abstract: "Write the stored single-agent runs of a trace database in the general recorded-outcomes format.",
            discussion: """
                Every completed, scored run with one agent (not a replay) gives its model's outcome on its task: right                 when the score is 1, the response, the token counts and the cost. Runs of the same query become one                 line with each model's outcome (a model's first run of it counts). The file serves --recordings, so                 a team's own traffic becomes training and evaluation data.
                """
        )

        @Option(name: .long, help: TraceDatabaseDefault.help)
        var db: String = TraceDatabaseDefault.path

        @Option(name: .long, help: "The file to write.")
        var output: String

        func run() async throws {
            let store = try await openTraceStore(db, logger: Logger(label: "orchestrate"))
            let outcomes = try await store.recordedOutcomes()
            guard !outcomes.items.isEmpty else {
                printError("error: \(store.name): no completed, scored single-agent runs to write")
                throw ExitCode(2)
            }
            try RecordedOutcomesFile.jsonl(outcomes).write(toFile: output, atomically: true, encoding: .utf8)
            let models = outcomes.models.sorted().joined(separator: ", ")
            print("\(outcomes.items.count) tasks, models \(models) → \(output) (recorded-outcomes format)")
        }
    }
}
