import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct Executor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Executor and trace overhead: runs a second and time per message with a zero-latency simulated provider.",
            discussion: """
                Runs single (1 agent), chain of 5 and a 6-agent debate of 3 rounds on a zero-latency copy of the \
                SIMULATED fleet, one run at a time, every message, delivery and verdict written durably to the trace \
                database as in normal runs (verification: check). With no model latency all wall time is ours: \
                planning, prompts, checks, aggregation and SQLite. Each size is measured --repeats times; the \
                median and range are reported, and at each size again with an in-memory store to show the cost of \
                durable writes.
                """
        )

        @OptionGroup var inputs: BenchInputs

        @Option(name: .long, parsing: .upToNextOption, help: "Runs per measurement, smallest first (10× and 100× show growth).")
        var runs: [Int] = [100, 1000, 10_000]

        @Option(name: .long, parsing: .upToNextOption, help: "Which shapes: single, chain, debate (default: all three).")
        var shapes: [String] = ["single", "chain", "debate"]

        @Option(name: .long, parsing: .upToNextOption, help: "Which stores: durable, memory (default: both).")
        var stores: [String] = ["durable", "memory"]

        @Option(name: .long, help: "Measurements at each size.")
        var repeats: Int = 3

        @Option(name: .long, help: "Keep the trace database here instead of a scratch file.")
        var db: String?

        func validate() throws {
            guard !runs.isEmpty, runs.allSatisfy({ $0 > 0 }) else { throw ValidationError("--runs takes positive sizes") }
            guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be from 1 to 20, got \(repeats)") }
            guard !stores.isEmpty, stores.allSatisfy({ ["durable", "memory"].contains($0) }) else {
                throw ValidationError("--stores takes durable and/or memory, got \(stores)")
            }
            let known = Self.shapes.map(\.topology)
            for shape in shapes where !known.contains(shape) {
                throw ValidationError("--shapes: '\(shape)' is not one of \(known.joined(separator: ", "))")
            }
        }

        /// A shape of run: a pinned topology, agent count and rounds.
        struct Shape {
            var label: String
            var topology: String
            var agents: Int
            var rounds: Int
        }

        static let shapes = [
            Shape(label: "single", topology: "single", agents: 1, rounds: 1),
            Shape(label: "chain of 5", topology: "chain", agents: 5, rounds: 1),
            Shape(label: "debate 6 × 3 rounds", topology: "debate", agents: 6, rounds: 3),
        ]

        func run() async throws {
            var workload = try BenchWorkload(inputs, db: db)
            defer { workload.cleanUp() }
            if let debate = workload.catalog.topologies.firstIndex(where: { $0.name == "debate" }) {
                workload.catalog.topologies[debate].defaultRounds = 3
            }
            let durable = try workload.openStore()
            print("executor overhead · SIMULATED fleet at zero latency · one run at a time · verification check · database \(workload.databasePath)")
            print(BenchWorkload.machine)
            var table = [["shape", "runs", "store", "runs/s", "messages/run", "µs per message", "peak MiB", "× a durable row"]]
            let folder = (workload.databasePath as NSString).deletingLastPathComponent
            let row = stores.contains("durable") ? try await DurableRowReference.measure(in: folder) : nil
            for shape in Self.shapes where shapes.contains(shape.topology) {
                for size in runs {
                    for inMemory in [false, true] where stores.contains(inMemory ? "memory" : "durable") {
                        let store = inMemory ? try TraceStore.inMemory() : durable
                        let orchestrator = try await Orchestrator(catalog: workload.catalog, store: store, logger: workload.logger)
                        var rates: [Double] = []
                        var perMessage: [Double] = []
                        var messages = 0
                        for repeat_ in 0..<repeats {
                            let tasks = (0..<size).map { index -> OrchestrationTask in
                                var task = workload.task(repeat_ * size + index)
                                task.constraints = Constraints(topology: shape.topology, agentCount: shape.agents)
                                task.budget = Budget()
                                return task
                            }
                            let clock = ContinuousClock()
                            let start = clock.now
                            let results = try await orchestrator.runBatch(tasks, seed: UInt64(repeat_), parallel: 1)
                            let wall = (clock.now - start).seconds
                            messages = results.reduce(0) { $0 + $1.messageCount }
                            rates.append(Double(size) / wall)
                            perMessage.append(wall * 1e6 / Double(max(1, messages)))
                            if let failed = results.first(where: { $0.status != .completed }) {
                                printError("error: a \(shape.label) run ended \(failed.status.rawValue): \(failed.error ?? "")")
                                throw ExitCode(1)
                            }
                        }
                        table.append([
                            shape.label, "\(size)", inMemory ? "memory" : "durable", Measurement(rates).summary("%.0f"),
                            String(format: "%.1f", Double(messages) / Double(size)), Measurement(perMessage).summary("%.1f"),
                            String(format: "%.0f", Measurement.peakResidentMiB),
                            inMemory ? "—" : row.map { String(format: "%.1f", Measurement(perMessage).median / $0) } ?? "—",
                        ])
                    }
                }
            }
            printColumns(table)
            if let row {
                print(
                    "a durable SQLite row, measured in this run (python3 sqlite3: 5,000 rows of ~400 bytes, one transaction each, "
                        + "WAL, synchronous=NORMAL, median of 3): \(String(format: "%.1f", row)) µs"
                )
            }
        }
    }
}
