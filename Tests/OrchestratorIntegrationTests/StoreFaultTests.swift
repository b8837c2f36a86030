import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The trace store failing for real under load: a PostgreSQL cluster of its own restarted or killed while `serve`
/// answers 1,200 requests (a full SQLite disk: `FullDiskTests`). Nothing may hang, nothing may be left `running`, no
/// answer may be given for a run that was not recorded, and no store failure may be blamed on a model.
@Suite(.enabled(if: PostgresServer.runs, PostgresServer.reason), .serialized, .timeLimit(.minutes(10)))
struct StoreFaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case fastRestart = "restart -m fast"
        case immediateRestart = "restart -m immediate"
        case killedForFiveSeconds = "postmaster SIGKILLed, started 5 s later"

        var testDescription: String { rawValue }
    }

    @Test(.exclusive, arguments: Fault.allCases)
    func servingThroughAPostgresFault(_ fault: Fault) async throws {
        try await Self.withServeOnOwnCluster { cluster, server, client in
            let clock = ContinuousClock()
            let start = clock.now
            async let replies = ChatLoad.send(1200, inFlight: 32, over: [server.base], client: client)
            try await Task.sleep(for: .seconds(3))
            let faultAt = clock.now
            switch fault {
            case .fastRestart: try await cluster.script("restart", "fast")
            case .immediateRestart: try await cluster.script("restart", "immediate")
            case .killedForFiveSeconds:
                try await cluster.script("kill")
                try await Task.sleep(for: .seconds(5))
                try await cluster.script("resume")
            }
            let answered = await replies
            let loaded = clock.now - start

            let statuses = Dictionary(grouping: answered, by: \.status).mapValues(\.count)
            let slowest = answered.map(\.seconds).max() ?? 0
            let unanswered = answered.first { $0.status != 200 && $0.status != 503 }
            #expect(
                answered.count == 1200 && unanswered == nil,
                "\(statuses); first: \(unanswered.map { "\($0.status) after \($0.seconds) s: \($0.body.prefix(300))" } ?? "")"
            )
            #expect(slowest < 30, "every request answered within 30 s")
            #expect(answered.filter { $0.status == 503 }.allSatisfy { $0.retryAfter != nil }, "a 503 says when to try again")

            // No run is left running: those the store could not take are written as soon as it is back.
            let runs = try await Self.runsOnceNoneIsRunning(in: cluster, completed: statuses[200] ?? 0, by: faultAt + .seconds(90))
            let recorded = Dictionary(grouping: runs, by: \.status).mapValues(\.count)
            #expect(!runs.contains { $0.status == .running }, "\(recorded)")
            #expect(recorded[.completed] == statuses[200], "an answer is given for a recorded run only: \(recorded) against \(statuses)")
            let errors = runs.compactMap(\.error)
            #expect(!errors.contains { $0.contains("Generic description") }, "\(errors.prefix(3))")
            #expect(
                errors.allSatisfy { $0.hasPrefix(RunNotRecorded.prefix + "trace store PostgreSQL") },
                "a store failure is the store's, never a model's: \(errors.prefix(3))"
            )
            let health = try await client.execute(HTTPClientRequest(url: server.root + "/healthz"), timeout: .seconds(10))
            #expect(health.status.code == 200, "healthy again after the fault")
            print(
                "store fault (\(fault.rawValue) 3 s in): 1,200 requests in \(loaded), \(statuses.sorted { $0.key < $1.key }), "
                    + "slowest \(String(format: "%.1f", slowest)) s; runs \(recorded.map { "\($0.key.rawValue) \($0.value)" }.sorted())"
            )
        }
    }

    /// PostgreSQL away for 20 s, longer than the store's 10 s limit: the runs in flight end and their requests are
    /// answered 503 with `Retry-After` (never a hang, never an answer for an unrecorded run), `/healthz` says 503
    /// while the store is away, new requests get 503 at once; once it is back, `/healthz` and requests are 200 again
    /// and the stopped runs are written `failed` with the store's reason, none left `running`.
    @Test(.exclusive) func aStoreAwayLongerThanItsLimitAnswers503UntilItIsBack() async throws {
        try await Self.withServeOnOwnCluster { cluster, server, client in
            async let during = ChatLoad.send(1200, inFlight: 32, over: [server.base], client: client)
            try await Task.sleep(for: .seconds(2))
            try await cluster.script("kill")
            try await Task.sleep(for: .seconds(14))
            let away = try await client.execute(HTTPClientRequest(url: server.root + "/healthz"), timeout: .seconds(10))
            let awayBody = String(buffer: try await away.body.collect(upTo: 1 << 16))
            try await Task.sleep(for: .seconds(6))
            try await cluster.script("resume")
            let replies = await during

            #expect(away.status.code == 503 && awayBody.contains("PostgreSQL"), "/healthz while the store is away: \(away.status) \(awayBody)")
            let statuses = Dictionary(grouping: replies, by: \.status).mapValues(\.count)
            let unanswered = replies.first { $0.status != 200 && $0.status != 503 }
            #expect(unanswered == nil, "\(statuses); first: \(unanswered.map { "\($0.status) after \($0.seconds) s: \($0.body.prefix(300))" } ?? "")")
            #expect((statuses[503] ?? 0) > 0, "the outage was answered 503: \(statuses)")
            #expect(replies.allSatisfy { $0.seconds < 30 }, "slowest \(replies.map(\.seconds).max() ?? 0) s")
            let refused = replies.filter { $0.status == 503 }
            #expect(refused.allSatisfy { $0.retryAfter == "5" && $0.body.contains("trace_store_unavailable") }, "\(refused.first?.body ?? "")")

            // Back: healthy within seconds, and requests answered again.
            var healthy = false
            for _ in 0..<40 where !healthy {
                let health = try await client.execute(HTTPClientRequest(url: server.root + "/healthz"), timeout: .seconds(10))
                healthy = health.status.code == 200
                if !healthy { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(healthy, "/healthz is 200 again once the store is back")
            let after = await ChatLoad.send(100, inFlight: 16, over: [server.base], client: client)
            #expect(after.allSatisfy { $0.status == 200 }, "\(Dictionary(grouping: after, by: \.status).mapValues(\.count))")

            let runs = try await Self.runsOnceNoneIsRunning(
                in: cluster,
                completed: (statuses[200] ?? 0) + 100,
                by: ContinuousClock.now + .seconds(90)
            )
            let recorded = Dictionary(grouping: runs, by: \.status).mapValues(\.count)
            #expect(!runs.contains { $0.status == .running }, "\(recorded)")
            #expect(recorded[.completed] == (statuses[200] ?? 0) + 100, "\(recorded) against \(statuses) and 100 after")
            let failed = runs.filter { $0.status == .failed }
            #expect(
                failed.allSatisfy { $0.error?.hasPrefix(RunNotRecorded.prefix + "trace store PostgreSQL") == true },
                "\(failed.prefix(2).map(\.error))"
            )
            print(
                "store away 20 s: 1,200 requests \(statuses.sorted { $0.key < $1.key }), slowest "
                    + "\(String(format: "%.1f", replies.map(\.seconds).max() ?? 0)) s; runs \(recorded.map { "\($0.key.rawValue) \($0.value)" }.sorted())"
            )
        }
    }

    /// `serve` (at most 32 runs at once) over a PostgreSQL cluster of its own, and a client, for `body`.
    static func withServeOnOwnCluster(_ body: (OwnCluster, ServeProcess, HTTPClient) async throws -> Void) async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try await OwnCluster.start(in: directory.appendingPathComponent("cluster"))
        defer { cluster.stop() }
        let server = try await ServeProcess.start(
            ["--db", cluster.url, "--max-concurrent-runs", "32"],
            log: directory.appendingPathComponent("serve.log")
        )
        defer { server.stop() }
        let client = ChatLoad.client()
        defer { _ = client.shutdown() }
        try await body(cluster, server, client)
    }

    /// The cluster's runs once none is `running` and `completed` of them are, or as they are at `deadline`.
    /// `completed` is how many runs were answered 200: a run whose last write committed after the store's bound gave
    /// up on it was answered 503 and reads `completed` until `serve` writes its end (`failed`, not recorded) from the
    /// runs it kept, within a second or two of the store being back.
    static func runsOnceNoneIsRunning(in cluster: OwnCluster, completed: Int, by deadline: ContinuousClock.Instant) async throws -> [RunRecord] {
        let store = try await TraceStore.open(TraceDatabaseLocation(cluster.url), logger: TestSupport.logger)
        while true {
            let runs = try await store.runs(matching: RunFilter())
            let settled = !runs.contains { $0.status == .running } && runs.filter { $0.status == .completed }.count == completed
            if settled || ContinuousClock.now >= deadline { return runs }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// A PostgreSQL cluster of the test's own (`scripts/postgres.sh` in a folder of its own), so that restarting or
    /// killing it touches no other test.
    struct OwnCluster {
        let folder: URL
        let url: String

        static func start(in folder: URL) async throws -> OwnCluster {
            let started = try await TestSupport.shell("scripts/postgres.sh start", environment: ["ORCHESTRATE_PG_DIR": folder.path])
            let url = try #require(started.output.firstMatch(of: /ORCHESTRATE_TEST_POSTGRES_URL='([^']+)'/)?.1, "\(started.error)")
            return OwnCluster(folder: folder, url: String(url))
        }

        /// `scripts/postgres.sh` on this cluster; an error when it fails.
        func script(_ arguments: String...) async throws {
            let done = try await TestSupport.shell(
                "scripts/postgres.sh \(arguments.joined(separator: " "))",
                environment: ["ORCHESTRATE_PG_DIR": folder.path]
            )
            guard done.status == 0 else { throw TestFailure("postgres.sh \(arguments): \(done.error)") }
        }

        /// Stops the cluster and deletes its files (in a `defer`, so without waiting on the cooperative pool).
        func stop() {
            _ = system("cd '\(TestSupport.repositoryRoot.path)' && ORCHESTRATE_PG_DIR='\(folder.path)' scripts/postgres.sh stop")
        }
    }
}
