import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate {
    struct Traces: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the trace database: list runs, show one as a timeline, aggregate statistics, export, copy runs to another.",
            subcommands: [List.self, Show.self, Stats.self, Export.self, Copy.self]
        )
    }
}

/// The trace database a read-only command opens.
struct TraceDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: TraceDatabaseDefault.help)
    var db: String = TraceDatabaseDefault.path

    func open() async throws -> TraceStore { try await openTraceStore(db, readOnly: true) }
}

/// The trace of the run a reference names, or one line on standard error and exit status 2.
func resolveTrace(_ reference: String, in store: TraceStore) async throws -> RunTrace {
    do {
        return try await store.trace(reference: reference)
    } catch let error as RunLookupError {
        printError("error: \(store.name): \(error)")
        throw ExitCode(2)
    }
}

extension Orchestrate.Traces {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored runs, newest first.")

        @OptionGroup var database: TraceDatabaseOptions
        @OptionGroup var filters: RunFilterOptions

        @Option(name: .long, help: "At most this many runs.")
        var limit: Int = 20

        @Flag(name: .long, help: "One JSON object (the stored run row) a line.")
        var json = false

        func run() async throws {
            let filter = try filters.filter(limit: limit)
            let runs = try await database.open().runs(matching: filter)
            if json {
                for run in runs { print(try TraceJSON.line(run)) }
                return
            }
            guard !runs.isEmpty else {
                print("no runs match")
                return
            }
            var table = [["run", "started (UTC)", "task", "status", "topology", "agents", "answer", "score", "cost USD", "tokens", "wall s"]]
            for run in runs {
                table.append([
                    TraceIDs.short(run.id), TraceCells.moment(run.startedAt), String(run.taskID.prefix(24)), run.status.rawValue,
                    run.topology ?? "—", run.agentCount.map(String.init) ?? "—", oneLine(run.answer ?? "—", limit: 16),
                    TraceCells.score(run.score), TraceCells.cost(run.costUSD), String(run.promptTokens + run.completionTokens),
                    TraceCells.wallSeconds(run),
                ])
            }
            printColumns(table)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A run as a timeline: the plan and its decisions, each step's calls, verdicts and deliveries, usage."
        )

        @Argument(help: "The run id, or its first characters (at least 4).")
        var run: String

        @OptionGroup var database: TraceDatabaseOptions

        @Flag(name: .long, help: "Print every prompt and response in full.")
        var full = false

        @Flag(name: .long, help: "Print the whole stored trace as one JSON object.")
        var json = false

        func run() async throws {
            let store = try await database.open()
            let trace = try await resolveTrace(run, in: store)
            if json {
                print(try TraceJSON.line(trace))
                return
            }
            print(TraceTimeline(trace: trace, full: full).render())
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs, accuracy, cost, tokens, latency percentiles, failures and quarantines by topology, model and role."
        )

        @OptionGroup var database: TraceDatabaseOptions
        @OptionGroup var filters: RunFilterOptions

        @Option(name: .long, parsing: .upToNextOption, help: "Group by: topology, model, role (default: all three).")
        var by: [TraceStatistics.Grouping] = TraceStatistics.Grouping.allCases

        @Flag(name: .long, help: "Print the statistics as JSON.")
        var json = false

        func run() async throws {
            let store = try await database.open()
            let filter = try filters.filter()
            var all: [TraceStatistics] = []
            for grouping in by { all.append(try await store.statistics(by: grouping, filter: filter)) }
            if json {
                print(try TraceJSON.line(all))
                return
            }
            for (index, statistics) in all.enumerated() {
                if index > 0 { print("") }
                let perCall = statistics.grouping != .topology
                var table = [
                    [
                        statistics.grouping.rawValue, "runs", perCall ? "calls" : "", "accuracy", "cost USD", "tokens in", "tokens out",
                        "p50 ms", "p90 ms", "p99 ms", perCall ? "failed calls" : "failed runs", "quarantined",
                    ].filter { !$0.isEmpty }
                ]
                for row in statistics.rows {
                    var cells = [row.key, String(row.runs)]
                    if perCall { cells.append(String(row.calls ?? 0)) }
                    cells += [
                        TraceCells.accuracy(row), TraceCells.cost(row.costUSD), String(row.promptTokens), String(row.completionTokens),
                        TraceCells.milliseconds(row.latencyP50), TraceCells.milliseconds(row.latencyP90), TraceCells.milliseconds(row.latencyP99),
                        String(row.failures), String(row.quarantined),
                    ]
                    table.append(cells)
                }
                if statistics.rows.isEmpty { table.append(["no runs match"]) }
                printColumns(table)
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export stored runs, oldest first: JSONL (one whole trace a line) or OpenTelemetry (OTLP/JSON, one request a run).",
            discussion: """
                otel writes one OTLP/JSON ExportTraceServiceRequest a line, as the OpenTelemetry collector's file \
                exporter does: per run a root span, a span per agent and one per model call, with gen_ai.* \
                attributes; decisions, verification verdicts and deliveries are span events.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case jsonl
            case otel
        }

        @OptionGroup var database: TraceDatabaseOptions
        @OptionGroup var filters: RunFilterOptions

        @Option(name: .long, help: "jsonl or otel.")
        var format: Format = .jsonl

        @Option(name: .long, help: "Write to this file instead of standard output.")
        var output: String?

        @Option(name: .long, help: "Only the newest N runs that match.")
        var limit: Int?

        func run() async throws {
            let store = try await database.open()
            let filter = try filters.filter(limit: limit)
            let sink: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    printError("error: \(output): cannot create the file")
                    throw ExitCode(1)
                }
                sink = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            } else {
                sink = FileHandle.standardOutput
            }
            var count = 0
            try await store.forEachTrace(matching: filter) { trace in
                let line: String
                switch format {
                case .jsonl: line = try TraceJSON.line(trace)
                case .otel: line = try TraceJSON.line(OpenTelemetryExport.document([trace]))
                }
                sink.write(Data((line + "\n").utf8))
                count += 1
            }
            if let output {
                try sink.close()
                printError("exported \(count) run\(count == 1 ? "" : "s") as \(format.rawValue) to \(output)")
            }
        }
    }
}

extension TraceStatistics.Grouping: ExpressibleByArgument {}

/// JSON and text formatting shared by the trace commands.
enum TraceJSON {
    /// One line of JSON: sorted keys, ISO 8601 dates with milliseconds.
    static func line(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(isoDate(date))
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
