import ArgumentParser
import CommandLineSupport
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

        @OptionGroup var inputs: BenchInputs

        @Option(name: .long, parsing: .upToNextOption, help: "The numbers of stored runs to measure at, smallest first.")
        var runs: [Int] = [10_000]

        @Option(name: .long, help: "Measurements at each size.")
        var repeats: Int = 3

        @Option(name: .long, help: "The trace database to fill (default: a temporary one, removed afterwards).")
        var db: String?

        @Option(name: .long, help: "The batch size of the training epoch.")
        var batchSize: Int = 64

        func validate() throws {
            guard !runs.isEmpty, runs.allSatisfy({ $0 > 0 }), runs == runs.sorted() else {
                throw ValidationError("--runs takes positive sizes, smallest first, got \(runs)")
            }
            guard (1...50).contains(repeats) else { throw ValidationError("--repeats must be from 1 to 50, got \(repeats)") }
        }

        func run() async throws {
            let workload = try BenchWorkload(inputs, db: db)
            defer { workload.cleanUp() }
            let store = try workload.openStore()
            let explorer = try await workload.explorer(store: store)
            let orchestrator = try await Orchestrator(catalog: workload.catalog, store: store, logger: workload.logger)
            print(
                "SIMULATED fleet \(workload.catalog.fleet.name) at zero latency · sampled plans of \(inputs.tasks) · database \(workload.databasePath)"
            )
            print(BenchWorkload.machine)

            var table = [["stored runs", "decisions", "fill runs/s", "read s", "train s/epoch", "total s", "s per 10k runs", "peak MiB"]]
            var stored = 0
            let clock = ContinuousClock()
            for size in runs {
                let fillRate = try await workload.fill(explorer, from: &stored, to: size)
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
