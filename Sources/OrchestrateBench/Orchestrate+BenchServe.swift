import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Bench {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "`orchestrate serve` under load against a backend that answers at once, beside LiteLLM's proxy on the same backend.",
            discussion: """
                Starts a backend that answers every chat completion at once, then for each store (a SQLite file; PostgreSQL with \
                --postgres) an `orchestrate serve` whose fleet is one model on that backend, and drives it with wrk at \
                --connections requests in flight for --seconds (after a warm-up), each request one single-agent run. Reports \
                requests/s, p50/p99 latency, the server's CPU a request, and how many runs the store recorded. With --litellm, \
                LiteLLM's proxy (no database, no key, as serve on loopback) is driven the same way against the same backend, with each \
                --litellm-workers. \
                scripts/bench-serve.sh installs wrk and LiteLLM and starts a PostgreSQL cluster.
                """
        )

        @Option(name: .long, help: "Seconds each load lasts, after a 3 s warm-up.")
        var seconds: Int = 15

        @Option(name: .long, help: "Requests in flight.")
        var connections: Int = 32

        @Option(name: .long, help: "A PostgreSQL URL to measure serve on too (default: $ORCHESTRATE_BENCH_POSTGRES_URL).")
        var postgres: String?

        @Option(name: .long, help: "LiteLLM's `litellm` executable, to measure its proxy beside serve.")
        var litellm: String?

        @Option(name: .long, parsing: .upToNextOption, help: "LiteLLM worker processes to measure.")
        var litellmWorkers: [Int] = [1, 2]

        @Option(name: .long, help: "The wrk load generator (apt-get install wrk).")
        var wrk: String = "/usr/bin/wrk"

        @Option(name: .long, help: "The orchestrate executable (default: beside this one).")
        var orchestrate: String?

        @Option(name: .long, help: "The workflows folder serve reads.")
        var workflows: String = "Workflows"

        func validate() throws {
            guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be from 1 to 600, got \(seconds)") }
            guard (1...1024).contains(connections) else { throw ValidationError("--connections must be from 1 to 1024, got \(connections)") }
            guard litellmWorkers.allSatisfy({ (1...16).contains($0) }) else { throw ValidationError("--litellm-workers take 1 to 16") }
            guard FileManager.default.isExecutableFile(atPath: wrk) else {
                throw ValidationError("--wrk: no wrk at \(wrk) (apt-get install wrk, or run scripts/bench-serve.sh)")
            }
        }

        func run() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-bench-serve-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let backend = try await InstantBackend()
            defer { Task { try? await backend.stop() } }
            print("serve under load · \(connections) in flight · \(seconds) s each after a 3 s warm-up · backend \(backend.baseURL)")
            print(BenchWorkload.machine)

            let target = LoadTarget(wrk: wrk, connections: connections, seconds: seconds, folder: folder)
            var table = [["server", "requests/s", "p50 ms", "p99 ms", "CPU ms / request", "requests", "failed", "runs recorded"]]
            var figures: [String: Double] = [:]
            let fleet = try writeFleet(backend: backend, in: folder)
            var stores = [("serve · SQLite", folder.appendingPathComponent("traces.sqlite").path)]
            if let url = postgres ?? ProcessInfo.processInfo.environment["ORCHESTRATE_BENCH_POSTGRES_URL"] {
                stores.append(("serve · PostgreSQL", url))
            }
            for (label, db) in stores {
                let (report, cpu, recorded) = try await measureServe(db: db, fleet: fleet, target: target)
                figures[label] = report.requestsPerSecond
                table.append(row(label, report, cpu: cpu, recorded: recorded))
            }
            if let litellm {
                for workers in litellmWorkers {
                    let label = "LiteLLM proxy · \(workers) worker\(workers == 1 ? "" : "s")"
                    do {
                        let (report, cpu) = try await measureLiteLLM(litellm, workers: workers, backend: backend, target: target)
                        figures[label] = report.requestsPerSecond
                        table.append(row(label, report, cpu: cpu, recorded: "—"))
                    } catch {
                        FileHandle.standardError.write(Data("\(label): \(error)\n".utf8))
                        table.append([label, "could not be measured (above)"])
                    }
                }
            }
            printColumns(table)
            let proxies = figures.filter { $0.key.hasPrefix("LiteLLM") }.sorted { $0.key < $1.key }
            for (server, rate) in figures.sorted(by: { $0.key < $1.key }) where server.hasPrefix("serve") {
                for (proxy, theirs) in proxies where theirs > 0 {
                    print("\(server) / \(proxy): \(String(format: "%.1f", rate / theirs))×")
                }
            }
        }

        private func row(_ label: String, _ report: LoadReport, cpu: Double, recorded: String) -> [String] {
            [
                label, String(format: "%.0f", report.requestsPerSecond), String(format: "%.1f", report.percentiles[50] ?? .nan),
                String(format: "%.1f", report.percentiles[99] ?? .nan), String(format: "%.2f", cpu), "\(report.requests)",
                "\(report.failedResponses + report.socketErrors)", recorded,
            ]
        }

        /// A fleet of one model on the backend with no limits (as LiteLLM's model here): a concurrency limit would take a
        /// place in PostgreSQL for each call, shared by replicas, which this bench does not measure.
        private func writeFleet(backend: InstantBackend, in folder: URL) throws -> String {
            let fleet: [String: Any] = [
                "name": "bench-instant",
                "description": "One model on a local backend that answers at once (orchestrate-bench serve).",
                "models": [
                    [
                        "name": "instant", "provider": "openai", "modelID": "bench", "endpoint": backend.baseURL,
                        "inputPricePerMillion": 0.1, "outputPricePerMillion": 0.2, "contextLength": 8192,
                        "description": "Answers every request at once with the same reply.",
                        "limits": ["timeoutSeconds": 30, "maxRetries": 0],
                    ] as [String: Any]
                ],
            ]
            let path = folder.appendingPathComponent("fleet.json").path
            try JSONSerialization.data(withJSONObject: fleet, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// serve on one store under load; returns wrk's report, CPU ms a request and the runs recorded.
        private func measureServe(db: String, fleet: String, target: LoadTarget) async throws -> (LoadReport, Double, String) {
            let executable =
                orchestrate
                ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("orchestrate").path
            let port = try LoadTarget.freePort()
            let server = try BenchProcess(
                executable,
                ["serve", "--fleet", fleet, "--workflows", workflows, "--db", db, "--port", "\(port)"],
                log: target.folder.appendingPathComponent("serve-\(port).log")
            )
            defer { server.stop() }
            try await server.waitUntilAnswering("http://127.0.0.1:\(port)/healthz", within: .seconds(60))
            let location = try TraceDatabaseLocation(db)
            let before = try await Self.recordedRuns(at: location)
            let body = #"{"model":"single","messages":[{"role":"user","content":"What is 4 + 3?"}]}"#
            let url = "http://127.0.0.1:\(port)/v1/chat/completions"
            let (report, cpu) = try await target.drive(url, body: body, measuring: server.processTree)
            server.stop()
            let after = try await Self.recordedRuns(at: location)
            return (report, cpu, "\(after.completed - before.completed) completed of \(after.all - before.all)")
        }

        /// The runs in a store, and those completed.
        private static func recordedRuns(at location: TraceDatabaseLocation) async throws -> (all: Int, completed: Int) {
            if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) { return (0, 0) }
            let store = try await TraceStore.open(location, readOnly: true, logger: Logger(label: "orchestrate.bench"))
            return (try await store.counts().runs, try await store.runIDs(matching: RunFilter(status: .completed)).count)
        }

        /// LiteLLM's proxy with `workers` processes on the backend, under the same load.
        private func measureLiteLLM(_ litellm: String, workers: Int, backend: InstantBackend, target: LoadTarget) async throws -> (LoadReport, Double)
        {
            let port = try LoadTarget.freePort()
            let config = target.folder.appendingPathComponent("litellm-\(port).yaml")
            try """
            model_list:
              - model_name: bench
                litellm_params:
                  model: openai/bench
                  api_base: \(backend.baseURL)
                  api_key: bench
            litellm_settings:
              telemetry: false
            general_settings:
              dangerously_permit_weak_or_unset_master_key: true
            """.write(to: config, atomically: true, encoding: .utf8)
            let proxy = try BenchProcess(
                litellm,
                ["--config", config.path, "--host", "127.0.0.1", "--port", "\(port)", "--num_workers", "\(workers)"],
                log: target.folder.appendingPathComponent("litellm-\(port).log")
            )
            defer { proxy.stop() }
            try await proxy.waitUntilAnswering("http://127.0.0.1:\(port)/health/liveliness", within: .seconds(180))
            let body = #"{"model":"bench","messages":[{"role":"user","content":"What is 4 + 3?"}]}"#
            return try await target.drive("http://127.0.0.1:\(port)/v1/chat/completions", body: body, measuring: proxy.processTree)
        }
    }
}
