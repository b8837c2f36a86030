import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct CriticalPath: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "critical-path",
            abstract: "Wall time over critical-path time for each topology, with a fixed simulated latency a call.",
            discussion: """
                Every simulated model answers after exactly --latency milliseconds (no jitter, no per-model \
                concurrency limits). The critical path of a run is the sum over its steps of the most calls any one \
                agent made in that step, times the latency: what a perfect scheduler would take. The ratio is the \
                run's wall time over it (1.0 is perfect). Under load, --load runs go at once and each run's ratio is \
                taken, to show how the executor holds up when many runs share the machine.
                """
        )

        @OptionGroup var inputs: BenchInputs

        @Option(name: .long, help: "Milliseconds every call takes.")
        var latency: Double = 100

        @Option(name: .long, parsing: .upToNextOption, help: "Runs in flight at once, smallest first (10× and 100× show growth).")
        var load: [Int] = [1, 10, 100]

        @Option(name: .long, help: "Runs per topology at each load (at least the load).")
        var runs: Int = 10

        func validate() throws {
            guard latency > 0 else { throw ValidationError("--latency must be positive") }
            guard !load.isEmpty, load.allSatisfy({ (1...1000).contains($0) }) else { throw ValidationError("--load: from 1 to 1000 runs at once") }
        }

        func run() async throws {
            var workload = try BenchWorkload(inputs, db: nil, latencyMilliseconds: latency)
            defer { workload.cleanUp() }
            for index in workload.catalog.fleet.models.indices {
                workload.catalog.fleet.models[index].limits.concurrency = nil
                workload.catalog.fleet.models[index].limits.requestsPerMinute = nil
            }
            let store = try workload.openStore()
            let orchestrator = try await Orchestrator(catalog: workload.catalog, store: store, logger: workload.logger)
            print("critical path · SIMULATED fleet at \(String(format: "%.0f", latency)) ms a call · verification check · durable traces")
            print(BenchWorkload.machine)
            var table = [["topology", "agents", "steps", "calls/run", "load", "critical ms", "wall ms", "ratio (median, range)", "p90 ratio"]]
            var counter = 0
            for topology in workload.catalog.topologies {
                let agents = min(topology.agents.upperBound, max(topology.agents.lowerBound, 4))
                for concurrent in load {
                    let count = max(runs, concurrent)
                    let batch = (0..<count).map { _ -> OrchestrationTask in
                        var task = workload.task(counter)
                        counter += 1
                        task.constraints = Constraints(topology: topology.name, agentCount: agents)
                        task.budget = Budget()
                        return task
                    }
                    let results = try await orchestrator.runBatch(batch, seed: UInt64(counter), parallel: concurrent)
                    var ratios: [Double] = []
                    var critical: [Double] = []
                    var walls: [Double] = []
                    var steps = 0
                    var calls = 0
                    for result in results {
                        let messages = try await store.messages(runID: result.runID)
                        let perStep = Dictionary(grouping: messages, by: \.step)
                        let path = perStep.values.reduce(0.0) { total, stepMessages in
                            let most = Dictionary(grouping: stepMessages, by: \.agentIndex).values.map(\.count).max() ?? 0
                            return total + Double(most) * latency
                        }
                        steps = perStep.count
                        calls = messages.count
                        critical.append(path)
                        walls.append(result.wallSeconds * 1000)
                        ratios.append(result.wallSeconds * 1000 / max(path, 1e-9))
                    }
                    let ratio = Measurement(ratios)
                    table.append([
                        topology.name, "\(agents)", "\(steps)", "\(calls)", "\(concurrent)", String(format: "%.0f", Measurement(critical).median),
                        String(format: "%.1f", Measurement(walls).median), ratio.summary("%.3f"), String(format: "%.3f", ratio.quantile(0.9)),
                    ])
                }
            }
            printColumns(table)
        }
    }
}
