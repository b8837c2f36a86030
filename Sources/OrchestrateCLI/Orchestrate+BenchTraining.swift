import ArgumentParser
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Bench {
    struct Training: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How long off-policy training takes on stored runs: reading them, and one epoch of policy gradient.",
            discussion: """
                Fills a trace database with sampled runs of the task file on a zero-latency copy of the SIMULATED \
                fleet (every run recorded durably, as `run` does), then for each size reads the newest runs and \
                trains one epoch on them, --repeats times. Reports the median with the range. Sizes grow the one \
                database: --runs 1000 10000 100000 measures 10× and 100× the load.
                """
        )

        @Option(name: .long, help: "The task file to sample runs of.")
        var tasks: String = "Workflows/tasks/sample-50.jsonl"

        @Option(name: .long, parsing: .upToNextOption, help: "The numbers of stored runs to measure at, smallest first.")
        var runs: [Int] = [10_000]

        @Option(name: .long, help: "Measurements at each size.")
        var repeats: Int = 3

        @Option(name: .long, help: "The trace database to fill (default: a temporary one, removed afterwards).")
        var db: String?

        @Option(name: .long, help: "The workflows folder.")
        var workflows: String = "Workflows"

        @Option(name: .long, help: "The fleet file (default: <workflows>/fleets/simulated.json).")
        var fleet: String?

        @Option(name: .long, help: "The batch size of the training epoch.")
        var batchSize: Int = 64

        func validate() throws {
            guard !runs.isEmpty, runs.allSatisfy({ $0 > 0 }), runs == runs.sorted() else {
                throw ValidationError("--runs takes positive sizes, smallest first, got \(runs)")
            }
            guard (1...50).contains(repeats) else { throw ValidationError("--repeats must be from 1 to 50, got \(repeats)") }
        }

        func run() async throws {
            let logger = Logger(label: "orchestrate.bench")
            var catalog: Catalog
            let loaded: [OrchestrationTask]
            do {
                catalog = try CatalogLoader(workflowsDirectory: workflows).load(fleetPath: fleet)
                guard catalog.fleet.isSimulated else {
                    throw CommandInputError("\(fleet ?? "the fleet"): the training bench fills its database from a SIMULATED fleet")
                }
                loaded = try TaskParser(catalog: catalog).load(path: tasks)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            for index in catalog.fleet.models.indices {
                catalog.fleet.models[index].simulation?.latencyMilliseconds = 0
                catalog.fleet.models[index].simulation?.latencyJitterMilliseconds = 0
            }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-bench-\(UUID().uuidString)")
            let path = db ?? directory.appendingPathComponent("traces.sqlite").path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            defer { if db == nil { try? FileManager.default.removeItem(at: directory) } }
            let store = try TraceStore.open(path: path, logger: logger)
            let explorer = try await Orchestrator(
                catalog: catalog,
                store: store,
                configuration: OrchestratorConfiguration(controller: ControllerSettings(selection: .sample)),
                logger: logger
            )
            let orchestrator = try await Orchestrator(catalog: catalog, store: store, logger: logger)
            print("SIMULATED fleet \(catalog.fleet.name) at zero latency · sampled plans of \(tasks) · database \(path)")
            print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")

            var table = [["stored runs", "decisions", "fill runs/s", "read s", "train s/epoch", "total s", "s per 10k runs", "peak MiB"]]
            var stored = 0
            let clock = ContinuousClock()
            for size in runs {
                let fillStart = clock.now
                let added = size - stored
                while stored < size {
                    let count = min(1000, size - stored)
                    let batch = (0..<count).map { offset in
                        var task = loaded[(stored + offset) % loaded.count]
                        task.id += "#\(stored + offset)"
                        return task
                    }
                    _ = try await explorer.runBatch(batch, seed: UInt64(stored), parallel: 8)
                    stored += count
                }
                let fillRate = Double(added) / (clock.now - fillStart).seconds
                var reads: [Double] = []
                var epochs: [Double] = []
                var decisions = 0
                for _ in 0..<repeats {
                    let readStart = clock.now
                    let plans = try await store.storedPlans(limit: size)
                    reads.append((clock.now - readStart).seconds)
                    decisions = plans.reduce(0) { $0 + $1.decisions.count }
                    let trainStart = clock.now
                    let trainer = PolicyTrainer(orchestrator: orchestrator, options: .init(epochs: 1, batchSize: batchSize))
                    _ = try await trainer.trainOffPolicy(plans)
                    epochs.append((clock.now - trainStart).seconds)
                }
                let totals = Measurement(zip(reads, epochs).map(+))
                table.append([
                    "\(size)", "\(decisions)", String(format: "%.0f", fillRate), Measurement(reads).summary(),
                    Measurement(epochs).summary(), totals.summary(), String(format: "%.3f", totals.median * 10_000 / Double(size)),
                    String(format: "%.0f", Measurement.peakResidentMiB),
                ])
            }
            printColumns(table)
        }
    }
}
