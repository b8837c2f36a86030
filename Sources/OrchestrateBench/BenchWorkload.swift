import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

/// The inputs every performance bench reads.
struct BenchInputs: ParsableArguments {
    @Option(name: .long, help: "The task file whose queries the bench runs.")
    var tasks: String = "Workflows/tasks/sample-50.jsonl"

    @Option(name: .long, help: "The workflows folder.")
    var workflows: String = "Workflows"

    @Option(name: .long, help: "A SIMULATED fleet file (default: <workflows>/fleets/simulated.json).")
    var fleet: String?
}

/// What every performance bench starts from: the simulated catalogue (optionally at a fixed latency), a task
/// file, and a scratch trace database that is removed afterwards unless the user named one.
struct BenchWorkload {
    var catalog: Catalog
    var tasks: [OrchestrationTask]
    var databasePath: String
    private var scratch: URL?
    let logger = Logger(label: "orchestrate.bench")

    /// Loads the catalogue and tasks (exit 2 on bad input), sets every simulated model's latency to
    /// `latencyMilliseconds` without jitter, and picks the database: `db`, or a new scratch file.
    init(_ inputs: BenchInputs, db: String?, latencyMilliseconds: Double = 0) throws {
        do {
            catalog = try CatalogLoader(workflowsDirectory: inputs.workflows).load(fleetPath: inputs.fleet)
            guard catalog.fleet.isSimulated else {
                throw CommandInputError("\(inputs.fleet ?? "the fleet"): benches run a SIMULATED fleet, so that only our own overhead is measured")
            }
            tasks = try TaskParser(catalog: catalog).load(path: inputs.tasks)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        for index in catalog.fleet.models.indices {
            catalog.fleet.models[index].simulation?.latencyMilliseconds = latencyMilliseconds
            catalog.fleet.models[index].simulation?.latencyJitterMilliseconds = 0
        }
        if let db {
            databasePath = db
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            scratch = directory
            databasePath = directory.appendingPathComponent("traces.sqlite").path
        }
    }

    /// Removes the scratch database, if this workload made one.
    func cleanUp() {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    /// An orchestrator on `store` that samples its plans (explores), as the fills use.
    func explorer(store: TraceStore) async throws -> Orchestrator {
        try await Orchestrator(
            catalog: catalog,
            store: store,
            configuration: OrchestratorConfiguration(controller: ControllerSettings(selection: .sample)),
            logger: logger
        )
    }

    /// The trace database, durable on disk.
    func openStore() throws -> TraceStore {
        try TraceStore.open(path: databasePath, logger: logger)
    }

    /// The `index`-th task of the file, cycling, with a distinct id (`id#index`) so every run gets its own seed.
    func task(_ index: Int) -> OrchestrationTask {
        var task = tasks[index % tasks.count]
        task.id += "#\(index)"
        return task
    }

    /// Adds sampled runs to the store until it holds `target` of this workload's runs (from `count`), in batches
    /// of 1000 so memory stays flat; returns the runs per second of the filling.
    func fill(_ orchestrator: Orchestrator, from count: inout Int, to target: Int) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let added = target - count
        while count < target {
            let batch = (count..<min(target, count + 1000)).map(task)
            _ = try await orchestrator.runBatch(batch, seed: UInt64(count), parallel: 8)
            count += batch.count
        }
        return Double(max(0, added)) / max(1e-9, (clock.now - start).seconds)
    }

    /// The size of the database and its WAL, in bytes.
    var databaseBytes: Int {
        [databasePath, databasePath + "-wal"].reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }

    /// The machine line every bench prints first.
    static var machine: String {
        "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, \(ProcessInfo.processInfo.operatingSystemVersionString)"
    }
}
