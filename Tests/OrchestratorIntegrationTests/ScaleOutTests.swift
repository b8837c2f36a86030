import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Several `orchestrate serve` replicas on one machine record into one PostgreSQL store, as behind a load balancer.
@Suite(.enabled(if: PostgresServer.runs, PostgresServer.reason), .timeLimit(.minutes(10)))
struct ScaleOutTests {
    /// The simulated fleet with every latency twenty times as long, so that a run stays in flight long enough to be
    /// caught there: its row is written within the 200 ms flush delay of its start, and its cheapest call takes
    /// about 800 ms. (At five times, runs of about 280 ms finished before the kill meant to catch them.)
    static func slowFleet(in directory: URL) throws -> String {
        let source = TestSupport.repositoryRoot.appendingPathComponent("Workflows/fleets/simulated.json")
        var fleet = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        var models = try #require(fleet["models"] as? [[String: Any]])
        for index in models.indices {
            var simulation = try #require(models[index]["simulation"] as? [String: Any])
            simulation["latencyMilliseconds"] = (simulation["latencyMilliseconds"] as? Double ?? 0) * 20
            models[index]["simulation"] = simulation
        }
        fleet["models"] = models
        let path = directory.appendingPathComponent("slow-simulated.json")
        try JSONSerialization.data(withJSONObject: fleet).write(to: path)
        return path.path
    }

    /// Sends `count` chat requests, `inFlight` at a time, the i-th to `replicas[i % replicas.count]`; returns each
    /// reply's status (0 when no reply came) and the bodies of those that were not 200.
    static func load(_ count: Int, inFlight: Int, over replicas: [String], client: HTTPClient) async -> (statuses: [Int], failures: [String]) {
        let replies = await ChatLoad.send(count, inFlight: inFlight, over: replicas, client: client, timeout: .seconds(120))
        return (replies.map(\.status), replies.filter { $0.status != 200 }.map(\.body))
    }

    /// The controller version each reply says planned its run.
    static func versions(_ replies: [ChatLoad.Reply]) -> [String?] {
        replies.map { reply in
            let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
            return (object?["orchestrate"] as? [String: Any])?["controller_version"] as? String
        }
    }

    /// Two replicas following the store (`--follow-seconds 1`): a version promoted with `orchestrate controller
    /// promote` plans both replicas' requests within a few seconds, and a rollback the same, without a restart.
    @Test func twoReplicasServeAPromotedControllerWithinTheirPoll() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = ChatLoad.client()
        defer { _ = client.shutdown() }
        try await StoreEngine.postgres.withDatabase { url in
            var replicas: [ServeProcess] = []
            defer { for replica in replicas { replica.stop() } }
            for index in 0..<2 {
                replicas.append(
                    try await ServeProcess.start(
                        ["--db", url, "--follow-seconds", "1"],
                        log: directory.appendingPathComponent("replica-\(index).log")
                    )
                )
            }
            let bases = replicas.map(\.base)
            #expect(
                Self.versions(await ChatLoad.send(4, inFlight: 2, over: bases, client: client)).allSatisfy { $0 == CascadedController.priorVersion }
            )

            let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows).load(fleetPath: nil)
            var parameters = try await CascadedController(catalog: catalog).zeroParameters
            parameters.version = "trained-replicated"
            let file = directory.appendingPathComponent("controller.json").path
            try parameters.save(path: file)
            try await Self.change(["promote", file], url: url, until: "trained-replicated", over: bases, client: client)
            try await Self.change(["rollback"], url: url, until: CascadedController.priorVersion, over: bases, client: client)
        }
    }

    /// Runs `orchestrate controller ARGUMENTS`, then asks the replicas until every reply was planned by `version`:
    /// within a few polls of one second.
    static func change(_ arguments: [String], url: String, until version: String, over bases: [String], client: HTTPClient) async throws {
        let changed = try await TestSupport.runExecutable(["controller"] + arguments + ["--db", url])
        #expect(changed.status == 0, "\(changed.output)\(changed.error)")
        let clock = ContinuousClock()
        let start = clock.now
        var served: [String?] = []
        repeat {
            try await Task.sleep(for: .milliseconds(200))
            served = versions(await ChatLoad.send(4, inFlight: 2, over: bases, client: client))
        } while !served.allSatisfy({ $0 == version }) && clock.now - start < .seconds(15)
        #expect(served.allSatisfy { $0 == version }, "both replicas plan with \(version): \(served)")
        #expect(clock.now - start < .seconds(5), "within a few polls of one second: \(clock.now - start)")
    }

    /// Four replicas, 800 requests at 32 in flight: 800 completed runs in the store and no error; `traces stats` and
    /// `train --from-traces` read that store. Then one replica is killed with SIGKILL under load: the runs it had in
    /// flight end `interrupted` once another replica looks, and the others' runs are untouched.
    @Test(.exclusive) func fourReplicasShareOneStoreAndAKilledOnesRunsAreInterrupted() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = ChatLoad.client()
        defer { _ = client.shutdown() }
        try await StoreEngine.postgres.withDatabase { url in
            var replicas: [ServeProcess] = []
            defer { for replica in replicas { replica.stop() } }
            let fleet = try Self.slowFleet(in: directory)
            for index in 0..<4 {
                replicas.append(
                    try await ServeProcess.start(
                        ["--fleet", fleet, "--db", url, "--max-concurrent-runs", "16"],
                        log: directory.appendingPathComponent("replica-\(index).log")
                    )
                )
            }
            let clock = ContinuousClock()
            let loading = clock.now
            let (statuses, failures) = await Self.load(800, inFlight: 32, over: replicas.map(\.base), client: client)
            let loaded = clock.now - loading
            #expect(statuses.count == 800 && statuses.allSatisfy { $0 == 200 }, "\(failures.prefix(3))")
            let store = try await TraceStore.open(TraceDatabaseLocation(url), logger: TestSupport.logger)
            let runs = try await store.runs(matching: RunFilter())
            #expect(
                runs.count == 800 && runs.allSatisfy { $0.status == .completed },
                "\(Dictionary(grouping: runs, by: \.status).mapValues(\.count))"
            )
            #expect(Set(runs.map(\.taskID)).count == 800, "every request is one run")
            let byProcess = Dictionary(grouping: runs, by: \.processID).mapValues(\.count)
            #expect(Set(byProcess.keys) == Set(replicas.map { Int($0.process.processIdentifier) }), "every replica recorded runs: \(byProcess)")

            let stats = try await TestSupport.runExecutable(["traces", "stats", "--db", url, "--by", "topology", "--json"])
            #expect(stats.status == 0, "\(stats.error)")
            let statistics = try JSONDecoder().decode([TraceStatistics].self, from: Data(stats.output.utf8))
            #expect(statistics.first?.rows.reduce(0) { $0 + $1.runs } == 800)
            let controller = directory.appendingPathComponent("controller.json").path
            let trained = try await TestSupport.runExecutable(["train", "--from-traces", "--fleet", fleet, "--db", url, "--output", controller])
            #expect(trained.status == 0 && FileManager.default.fileExists(atPath: controller), "\(trained.output)\(trained.error)")
            let password = try #require(URLComponents(string: url)?.password)
            #expect(!(stats.output + stats.error + trained.output + trained.error).contains(password), "the password is never printed")

            // Under load again, one replica is killed.
            let victim = replicas[0]
            let killedPID = Int(victim.process.processIdentifier)
            let before = Set(runs.map(\.id))
            let bases = replicas.map(\.base)
            async let second = Self.load(160, inFlight: 32, over: bases, client: client)
            let deadline = ContinuousClock.now + .seconds(60)
            var running: [RunRecord] = []
            // A run that started at most 0.4 s ago is still waiting for its first reply when the kill comes.
            while running.isEmpty, ContinuousClock.now < deadline {
                running = try await store.runs(matching: RunFilter(status: .running)).filter {
                    $0.processID == killedPID && Date().timeIntervalSince($0.startedAt) < 0.4
                }
                if running.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(!running.isEmpty, "the victim had runs in flight")
            kill(victim.process.processIdentifier, SIGKILL)
            let killedAt = clock.now
            let (secondStatuses, _) = await second
            #expect(secondStatuses.filter { $0 == 200 }.count >= 160 * 3 / 4 - running.count, "the other replicas went on answering")
            // Another replica's sweeper looks every 30 s: the victim's runs end interrupted within that.
            let looked = ContinuousClock.now + .seconds(45)
            var victims: [RunRecord] = []
            repeat {
                try await Task.sleep(for: .milliseconds(500))
                victims = try await store.runs(matching: RunFilter()).filter { $0.processID == killedPID && !before.contains($0.id) }
            } while victims.contains(where: { $0.status == .running }) && ContinuousClock.now < looked
            let interrupted = victims.filter { $0.status == .interrupted }
            print(
                "scale-out: 800 requests over 4 replicas in \(loaded), \(byProcess.values.sorted()) runs each; the killed replica's "
                    + "\(interrupted.count) runs in flight interrupted \(clock.now - killedAt) after the kill"
            )
            #expect(!interrupted.isEmpty && victims.allSatisfy { $0.status == .interrupted || $0.status == .completed }, "\(victims.map(\.status))")
            #expect(interrupted.allSatisfy { $0.error?.contains("process \(killedPID) ended") == true }, "\(interrupted.compactMap(\.error))")
            let others = try await store.runs(matching: RunFilter()).filter { $0.processID != killedPID }
            #expect(others.allSatisfy { $0.status == .completed }, "the other replicas' runs are untouched")
        }
    }
}
