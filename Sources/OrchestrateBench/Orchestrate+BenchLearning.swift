import ArgumentParser
import AsyncHTTPClient
import CommandLineSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Orchestrator
import Synchronization

extension Orchestrate.Bench {
    struct Learning: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The closed loop on a recorded fleet: `orchestrate serve --learn` from the untrained controller, fed recorded prompts.",
            discussion: """
                Starts `orchestrate serve --learn` (and --followers more replicas without --learn on the same store) on a \
                recorded fleet, sends --requests prompts of the recordings in a seeded random order (--concurrency at a time, \
                spread over the servers), each run scored by the recorded outcomes, and reports the utility (score − λ × cost) \
                of the first and last --window requests with a bootstrap interval of their difference, the promotions, the \
                requests that failed, and for each follower how long after a promotion it first served the promoted version. \
                --chart writes utility over requests with the promotions marked (SVG).
                """
        )

        @OptionGroup var recorded: RecordedBenchOptions

        @Option(name: .long, help: "Requests to send (prompts repeat in a new order when there are fewer).")
        var requests: Int = 2000

        @Option(name: .long, help: "Requests in flight.")
        var concurrency: Int = 4

        @Option(name: .long, help: "Requests sent a second at most, as traffic comes over time (the learner retrains between them).")
        var rate: Double = 20

        @Option(name: .long, help: "The seed of the prompts' order and of each request.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "Requests in each compared window (first and last).")
        var window: Int = 300

        @Option(name: [.customLong("lambda")], help: "λ, the utility lost per US dollar.")
        var costWeight: Double = 20

        @Option(name: .long, help: "serve --learn-every.")
        var learnEvery: Int = 200

        @Option(name: .long, help: "serve --exploration-floor.")
        var explorationFloor: Double = 0.05

        @Flag(name: .long, help: "The control: the first server without --learn (the prior alone, exploring as it does), for the same traffic.")
        var withoutLearning = false

        @Option(name: .long, help: "Replicas without --learn on the same store, following its promotions.")
        var followers: Int = 0

        @Option(name: .long, help: "serve --follow-seconds of the followers.")
        var followSeconds: Double = 15

        @Option(name: .long, help: "An empty PostgreSQL database for the store (default: a SQLite file in a temporary folder).")
        var postgres: String?

        @Option(name: .long, help: "Write utility over requests, promotions marked, to this SVG file.")
        var chart: String?

        @Option(name: .long, help: "The orchestrate executable (default: beside this one).")
        var orchestrate: String?

        @Option(name: .long, help: "Write each request's utility to this file, one a line, in the order sent.")
        var utilities: String?

        @Option(name: .long, help: "Draw in the chart, as the control, the utilities a run with --without-learning wrote with --utilities.")
        var baseline: String?

        @Flag(name: .long, help: "Keep the temporary folder (the servers' logs, the SQLite store) and print where it is.")
        var keep = false

        func validate() throws {
            guard requests >= 2 * window, window >= 10 else { throw ValidationError("--requests must be at least twice --window (at least 10)") }
            guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64, got \(concurrency)") }
            guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be positive, got \(rate)") }
            guard (0...8).contains(followers) else { throw ValidationError("--followers must be from 0 to 8, got \(followers)") }
        }

        func run() async throws {
            let outcomes = try LoadedRecordings.outcomes(at: recorded.recordings)
            let models = Set(try recorded.catalog().fleet.models.map(\.modelID))
            // Prompts every model of the fleet answered: a request is never short of a recorded answer.
            let prompts = outcomes.tasks.filter { task in models.isSubset(of: outcomes.item(for: task.query)?.outcomes.keys.map { $0 } ?? []) }
            var order = SeededGenerator(seed: seed, labels: ["learning", "order"])
            var tasks: [OrchestrationTask] = []
            while tasks.count < requests, !prompts.isEmpty { tasks += prompts.shuffled(using: &order) }
            tasks = Array(tasks.prefix(requests))
            guard !tasks.isEmpty else { throw BenchFailure("\(recorded.recordings): no recorded prompts") }

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-bench-learning-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer {
                if keep { print("kept \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
            }
            let database = postgres ?? folder.appendingPathComponent("learning.sqlite").path
            if let postgres {
                // The loop starts from the untrained controller: a store with runs or promotions would start it elsewhere.
                let store = try await TraceStore.open(try TraceDatabaseLocation(postgres), logger: Logger(label: "bench"))
                guard try await store.runs(matching: RunFilter(limit: 1)).isEmpty else {
                    throw BenchFailure(
                        "--postgres: the database holds runs already; give an empty one (the loop starts from the untrained controller)"
                    )
                }
            }
            let executable = orchestrate ?? CommandLine.arguments[0].replacingOccurrences(of: "orchestrate-bench", with: "orchestrate")
            let common = [
                "--workflows", recorded.workflows, "--fleet", recorded.fleet, "--recordings", recorded.recordings, "--db", database,
                "--max-concurrent-runs", "16",
            ]
            var servers: [(process: BenchProcess, url: String)] = []
            defer { for server in servers { server.process.stop() } }
            for index in 0...followers {
                let port = try LoadTarget.freePort()
                let learning = [
                    "--learn", "--learn-every", String(learnEvery), "--exploration-floor", String(explorationFloor), "--lambda", String(costWeight),
                ]
                let arguments =
                    ["serve", "--port", String(port)]
                    + (index == 0 ? (withoutLearning ? [] : learning) : ["--follow-seconds", String(followSeconds)])
                let process = try BenchProcess(executable, arguments + common, log: folder.appendingPathComponent("serve-\(index).log"))
                servers.append((process, "http://127.0.0.1:\(port)"))
                try await process.waitUntilAnswering("http://127.0.0.1:\(port)/healthz", within: .seconds(60))
            }
            print(
                "\(requests) requests of \(recorded.recordings) at up to \(rate)/s through serve \(withoutLearning ? "without --learn (the control)" : "--learn") (λ \(costWeight), floor \(explorationFloor), every \(learnEvery) scored runs) and \(followers) follower\(followers == 1 ? "" : "s") · store \(postgres == nil ? "SQLite" : "PostgreSQL") · \(concurrency) in flight"
            )
            let results = try await send(tasks, to: servers.map(\.url))
            let store = try await TraceStore.open(try TraceDatabaseLocation(database), readOnly: true, logger: Logger(label: "bench"))
            let catalog = try recorded.catalog()
            try report(results, servers: servers.map(\.url), promotions: try await store.controllerPromotions(catalogHash: catalog.hash).reversed())
            for version in try await store.controllerVersions(catalogHash: catalog.hash).reversed() {
                print("  \(version.verdict): \(try version.evidence()?.summary ?? version.version) (trained on \(version.trainedOnRuns) runs)")
            }
            for usage in try await store.controllerUsage(catalogHash: catalog.hash, costWeight: costWeight).reversed() {
                print(
                    String(
                        format: "  runs planned by %@: %d, utility %.4f",
                        usage.version,
                        usage.runs,
                        usage.meanUtility ?? .nan
                    )
                )
            }
        }

        /// One answered request.
        struct Answer: Sendable {
            var index: Int
            var server: Int
            var utility: Double
            var version: String
            var at: Date
            var failed: String?
        }

        func send(_ tasks: [OrchestrationTask], to urls: [String]) async throws -> [Answer] {
            let next = Counter()
            let costWeight = self.costWeight
            let seed = self.seed
            let start = ContinuousClock.now
            let spacing = Duration.milliseconds(Int64(1000 / rate))
            return try await withThrowingTaskGroup(of: [Answer].self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var answers: [Answer] = []
                        while let index = next.take(below: tasks.count) {
                            try await Task.sleep(until: start + spacing * index)
                            let server = index % urls.count
                            answers.append(
                                await Self.ask(tasks[index], index: index, server: server, url: urls[server], seed: seed, costWeight: costWeight)
                            )
                            if index % 200 == 199 { FileHandle.standardError.write(Data("  \(index + 1) requests\n".utf8)) }
                        }
                        return answers
                    }
                }
                var all: [Answer] = []
                for try await answers in group { all += answers }
                return all.sorted { $0.index < $1.index }
            }
        }

        static func ask(_ task: OrchestrationTask, index: Int, server: Int, url: String, seed: UInt64, costWeight: Double) async -> Answer {
            var options: [String: String] = ["task_id": task.id]
            if let domain = task.domain { options["domain"] = domain.rawValue }
            let body: [String: Any] = [
                "model": "auto",
                "seed": StableHash.combine([String(index)], seed: seed) % (1 << 52),
                "messages": [["role": "user", "content": task.query]],
                "orchestrate": options,
            ]
            var request = HTTPClientRequest(url: url + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            do {
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                let collected = try await response.body.collect(upTo: 1 << 22)
                let json = try JSONSerialization.jsonObject(with: Data(collected.readableBytesView)) as? [String: Any]
                guard response.status.code == 200, let details = json?["orchestrate"] as? [String: Any] else {
                    return Answer(index: index, server: server, utility: 0, version: "", at: Date(), failed: "HTTP \(response.status.code)")
                }
                let score = details["score"] as? Double ?? 0
                let cost = details["cost_usd"] as? Double ?? 0
                return Answer(
                    index: index,
                    server: server,
                    utility: Utility.of(score: score, costUSD: cost, costWeight: costWeight),
                    version: details["controller_version"] as? String ?? "",
                    at: Date(),
                    failed: nil
                )
            } catch {
                return Answer(index: index, server: server, utility: 0, version: "", at: Date(), failed: "\(error)")
            }
        }

        /// Prints the first and last windows' utility, the promotions, the failures and the followers' delays, and
        /// writes the chart.
        func report(_ answers: [Answer], servers: [String], promotions records: [ControllerPromotionRecord]) throws {
            let failed = answers.filter { $0.failed != nil }
            let utilities = answers.map(\.utility)
            let first = Array(utilities.prefix(window))
            let last = Array(utilities.suffix(window))
            func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
            let gain = Bootstrap.differenceOfMeans(last, first, samples: 2000, seed: seed, label: "learning")
            // Each promotion at the first request its version planned on the learning server after it.
            var promotions: [(index: Int, version: String)] = []
            for record in records {
                if let answer = answers.first(where: { $0.server == 0 && $0.version == record.version && $0.at >= record.promotedAt }) {
                    promotions.append((answer.index, record.version))
                }
            }
            print(
                String(
                    format: "utility: first %d requests %.4f · last %d %.4f · gain %+.4f (95%% %+.4f to %+.4f, two-sample bootstrap)",
                    window,
                    mean(first),
                    window,
                    mean(last),
                    mean(last) - mean(first),
                    gain.low,
                    gain.high
                )
            )
            print(
                "promotions (\(records.count)), at the first request each version planned after it: \(promotions.map { "\($0.index) \($0.version)" }.joined(separator: ", "))"
            )
            print("failed requests: \(failed.count)\(failed.first.map { " (first: \($0.failed ?? ""))" } ?? "")")
            for follower in servers.indices.dropFirst() {
                for record in records {
                    if let served = answers.first(where: { $0.server == follower && $0.version == record.version && $0.at >= record.promotedAt }) {
                        print(
                            String(
                                format: "follower %d served %@ %.1f s after its promotion",
                                follower,
                                record.version,
                                served.at.timeIntervalSince(record.promotedAt)
                            )
                        )
                    } else {
                        print("follower \(follower) never served \(record.version)")
                    }
                }
            }
            if let path = self.utilities {
                try utilities.map { String($0) }.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            }
            if let chart {
                let control = try baseline.map { path in
                    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
                }
                try LearningCurveChart(utilities: utilities, promotions: promotions, baseline: control ?? []).svg()
                    .write(toFile: chart, atomically: true, encoding: .utf8)
                print("chart → \(chart)")
            }
        }
    }
}

/// Hands out request indices to the workers, each once.
final class Counter: Sendable {
    private let value = Mutex(0)

    func take(below limit: Int) -> Int? {
        value.withLock { value in
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}
