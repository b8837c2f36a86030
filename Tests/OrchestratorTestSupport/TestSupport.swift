import Foundation
import Logging
import Orchestrator
import Testing

/// Paths and builders shared by the tests.
public enum TestSupport {
    /// The repository's root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var workflows: String { repositoryRoot.appendingPathComponent("Workflows").path }

    public static let logger: Logger = {
        var logger = Logger(label: "orchestrate.tests")
        logger.logLevel = .critical
        return logger
    }()

    /// The repository's catalogue with the simulated fleet.
    public static func catalog() throws -> Catalog {
        try CatalogLoader(workflowsDirectory: workflows).load()
    }

    /// The repository's roles and topologies with a fleet of simulated models of fixed latency.
    public static func catalog(models: [ModelSpec]) throws -> Catalog {
        var catalog = try catalog()
        catalog.fleet = Fleet(name: "test-simulated", description: "SIMULATED test fleet", models: models)
        return catalog
    }

    public static func simulatedModel(
        _ name: String,
        latency: Double,
        accuracy: Double = 0.8,
        price: Double = 1,
        conformity: Double = 0.3,
        concurrency: Int? = nil
    ) -> ModelSpec {
        ModelSpec(
            name: name,
            provider: .simulated,
            modelID: name,
            inputPricePerMillion: price,
            outputPricePerMillion: price,
            description: "simulated test model \(name)",
            limits: ModelLimits(concurrency: concurrency),
            simulation: SimulationProfile(
                accuracy: [.general: accuracy],
                latencyMilliseconds: latency,
                latencyJitterMilliseconds: 0,
                outputTokens: 100,
                conformity: conformity
            )
        )
    }

    /// A real OpenAI-protocol model at an address where nothing listens, tried once: its calls fail at once.
    public static func unreachableModel() -> ModelSpec {
        ModelSpec(
            name: "unreachable",
            provider: .openai,
            modelID: "x",
            endpoint: "http://127.0.0.1:1/v1",
            inputPricePerMillion: 1,
            outputPricePerMillion: 1,
            description: "nothing listens",
            limits: ModelLimits(maxRetries: 0)
        )
    }

    public static func orchestrator(catalog: Catalog, store: TraceStore? = nil, selection: SelectionMode = .greedy) async throws -> Orchestrator {
        try await Orchestrator(
            catalog: catalog,
            store: try store ?? TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(controller: ControllerSettings(selection: selection)),
            logger: logger
        )
    }

    /// Runs a 3-agent debate and a 2-level cascade of the simulated fleet into `store` (verification on, so their
    /// traces hold deliveries, verdicts and an escalation decision); returns their run ids.
    public static func debateAndCascadeRuns(in store: TraceStore) async throws -> [String] {
        let orchestrator = try await orchestrator(catalog: try catalog(), store: store)
        var ids: [String] = []
        for (topology, agents) in [("debate", 3), ("cascade", 2)] {
            let task = OrchestrationTask(
                id: topology,
                query: "What is 6 times 7?",
                expected: ExpectedAnswer(value: "42", kind: .number),
                constraints: Constraints(topology: topology, agentCount: agents)
            )
            ids.append(try await orchestrator.run(task, seed: 4).runID)
        }
        return ids
    }

    /// Held by tests that bound a wall time from above and by tests that load both cores (child processes
    /// running hundreds of runs, scans of the recorded data), so that the two never overlap on a 2-core machine:
    /// the `.exclusive` trait (`ExclusiveTrait`).
    public static let loadGate = AsyncSemaphore(permits: 1)

    /// Runs part of a test while holding `loadGate` (a whole test takes the `.exclusive` trait instead); within a
    /// test that holds it already, just runs.
    public static func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await ExclusiveTrait().run(body)
    }

    /// Runs CPU-heavy work on a thread of its own, so it does not starve the timing tests of the shared pool.
    public static func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// A turn's message row of `runID` by `agent` in `step`, with placeholders for what a store test does not look at.
    public static func messageRecord(runID: String, agent: Int = 0, step: Int = 0, response: String? = nil) -> MessageRecord {
        var row = MessageRecord(
            runID: runID,
            step: step,
            agentIndex: agent,
            role: "solver",
            model: "m",
            provider: "p",
            promptJSON: "[]",
            parentSpanID: "",
            purpose: .turn
        )
        row.response = response
        return row
    }

    /// A run row with placeholders for what a store test does not look at.
    public static func runRecord(id: String) -> RunRecord {
        RunRecord(
            id: id,
            taskID: id,
            query: "q",
            domain: nil,
            answerKind: "text",
            expectedAnswer: nil,
            taskJSON: "{}",
            controllerVersion: "prior-1",
            fleetName: "f",
            fleetHash: "h",
            catalogHash: "c",
            simulated: true,
            seed: 0,
            verificationPolicy: .check
        )
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A built executable of the package (`orchestrate` or `orchestrate-bench`), beside the test bundle.
    public static func executable(_ name: String = "orchestrate") -> URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name),
            Bundle.main.bundleURL.appendingPathComponent(name),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name),
            repositoryRoot.appendingPathComponent(".build/debug/\(name)"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `orchestrate-bench` as `runExecutable` runs `orchestrate`.
    public static func runBench(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
        try await runExecutable(arguments, tool: "orchestrate-bench")
    }

    /// Runs the executable to completion and returns its exit status, standard output and standard error.
    /// It waits without blocking a thread of the shared pool, so timing tests running beside it are not starved.
    public static func runExecutable(
        _ arguments: [String],
        in workingDirectory: URL? = nil,
        tool: String = "orchestrate",
        environment: [String: String] = [:]
    ) async throws -> (status: Int32, output: String, error: String) {
        guard let executable = executable(tool) else { throw TestFailure("the \(tool) executable was not built") }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        process.currentDirectoryURL = workingDirectory ?? repositoryRoot
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try await runToExit(process)
        let output = try String(contentsOf: outputURL, encoding: .utf8)
        let error = try String(contentsOf: errorURL, encoding: .utf8)
        return (process.terminationStatus, output, error)
    }

    /// Runs a shell command from the repository's root with `environment` added, on a thread of its own; returns its
    /// exit status, standard output and standard error. By `system(3)`, not `Process`: Foundation's `Process` learns
    /// that a child ended only once every process holding its descriptors has, which a daemon the command starts
    /// (a PostgreSQL cluster) never does.
    public static func shell(_ command: String, environment: [String: String] = [:]) async throws -> (status: Int32, output: String, error: String) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (outputURL, errorURL) = (directory.appendingPathComponent("out"), directory.appendingPathComponent("err"))
        let exports = environment.map { "export \($0.key)='\($0.value)'; " }.joined()
        let line = "cd '\(repositoryRoot.path)' && (\(exports)\(command)) > '\(outputURL.path)' 2> '\(errorURL.path)' < /dev/null"
        let status = try await onOwnThread { system(line) }
        let exit = (status >> 8) & 0xff
        return (exit, (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "", (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
    }

    /// Starts a process (unless it is running already) and waits for it to end, without blocking a thread.
    public static func runToExit(_ process: Process) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            if !process.isRunning {
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// RouteLLM's recorded outcomes beside the repository (`../shared/data/routellm`, never copied into it), and whether
/// the tests that read them must run: `scripts/test.sh` (and so CI) requires them; a clone without them skips those
/// tests with the reason.
public enum SharedData {
    public static let routeLLM = TestSupport.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/routellm").path
    public static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_SHARED_DATA"] == "1"
    public static var available: Bool { FileManager.default.fileExists(atPath: routeLLM + "/gsm8k_responses.csv") }
    public static var runs: Bool { available || required }
    public static let reason: Comment = "../shared/data/routellm is absent (scripts/test.sh and CI require it)"
    /// RouterBench's training splits (`../shared/data/routerbench`): eleven models on ARC-Challenge, MBPP, Winogrande.
    public static let routerBench = TestSupport.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/routerbench").path
    public static let routerBenchFiles = ["arc_challenge_train.csv", "mbpp_train.csv", "winograde_train.csv"].map { routerBench + "/" + $0 }
    public static var routerBenchRuns: Bool { FileManager.default.fileExists(atPath: routerBenchFiles[0]) || required }
    public static let routerBenchReason: Comment = "../shared/data/routerbench is absent (scripts/test.sh and CI require it)"
}

/// The wrk load generator `orchestrate-bench serve` drives `serve` with (Debian's wrk), and whether the test that runs
/// that bench must run: `scripts/test.sh` (and so CI, whose `.ci/run` installs it) requires it.
public enum LoadGenerator {
    public static let wrk = "/usr/bin/wrk"
    public static var runs: Bool {
        FileManager.default.isExecutableFile(atPath: wrk) || ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_WRK"] == "1"
    }
    public static let reason: Comment = "no wrk at /usr/bin/wrk (apt-get install wrk; scripts/test.sh and CI require it)"
}

/// The throwaway PostgreSQL cluster of `scripts/postgres.sh` (`ORCHESTRATE_TEST_POSTGRES_URL`), and whether the tests
/// that need one must run: `scripts/test.sh` (and so CI) starts one and requires them; elsewhere they skip.
public enum PostgresServer {
    public static let url = ProcessInfo.processInfo.environment["ORCHESTRATE_TEST_POSTGRES_URL"]
    public static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_POSTGRES"] == "1"
    public static var runs: Bool { url != nil || required }
    public static let reason: Comment = "no PostgreSQL server: run scripts/test.sh, or eval \"$(scripts/postgres.sh start)\" before swift test"
}

extension RunTrace {
    /// The trace with its row ids replaced by positions: a message by its place in the run, a delivery or verdict by
    /// the place of the message it names; for comparing a run across stores that numbered its rows differently.
    public var positional: RunTrace {
        var trace = self
        let positions = Dictionary(uniqueKeysWithValues: messages.enumerated().compactMap { index, message in message.id.map { ($0, Int64(index)) } })
        for index in trace.messages.indices { trace.messages[index].id = nil }
        for index in trace.deliveries.indices {
            trace.deliveries[index].id = nil
            trace.deliveries[index].messageID = positions[trace.deliveries[index].messageID] ?? -1
        }
        for index in trace.verifications.indices {
            trace.verifications[index].id = nil
            trace.verifications[index].messageID = positions[trace.verifications[index].messageID] ?? -1
        }
        for index in trace.escalations.indices { trace.escalations[index].id = nil }
        for index in trace.feedback.indices { trace.feedback[index].id = nil }
        return trace
    }
}
