import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// `GET /metrics`: Prometheus' text format, with counters that add up to the runs and calls the store recorded.
@Suite(.timeLimit(.minutes(5))) struct MetricsTests {
    /// One sample of the text format: a metric's name, its labels and its value.
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Reads Prometheus' text exposition format strictly: `# HELP` and `# TYPE` lines, then samples
    /// `name{label="value",…} number`; anything else is an error naming the line.
    static func samples(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        let sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|\+Inf|NaN)$/
        for line in text.split(separator: "\n") where !line.isEmpty {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
            guard let match = try sample.wholeMatch(in: String(line)), let value = Double(match.4) else {
                throw TestFailure("not a line of Prometheus' text format: \(line)")
            }
            var labels: [String: String] = [:]
            for pair in (match.3.map(String.init) ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[1].hasPrefix("\""), parts[1].hasSuffix("\"") else {
                    throw TestFailure("a label that is not name=\"value\": \(line)")
                }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            samples.append(Sample(name: String(match.1), labels: labels, value: value))
        }
        return samples
    }

    @Test func countersMatchTheRunsAndCallsTheStoreRecorded() async throws {
        // Three runs, the last streamed; then the metrics, which count every run and call the store recorded.
        let store = try TraceStore.inMemory()
        let catalog = try TestSupport.catalog(models: [
            TestSupport.simulatedModel("sim-a", latency: 2, accuracy: 0.9, price: 1),
            TestSupport.simulatedModel("sim-b", latency: 4, accuracy: 0.5, price: 3),
            TestSupport.unreachableModel(),
        ])
        let orchestrator = try await Orchestrator(catalog: catalog, store: store, logger: TestSupport.logger)
        let server = try OrchestratorServer(orchestrator: orchestrator, configuration: ServerConfiguration(), logger: TestSupport.logger)
        try await server.application().test(.live) { client in
            let bodies = [
                #"{"model":"debate","seed":1,"messages":[\#(ServerTests.question)],"orchestrate":{"agents":3}}"#,
                #"{"model":"single","seed":2,"messages":[\#(ServerTests.question)]}"#,
                #"{"model":"chain","seed":3,"stream":true,"messages":[\#(ServerTests.question)],"orchestrate":{"agents":2}}"#,
            ]
            for body in bodies {
                let response = try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .ok || response.status == .badGateway, "\(String(buffer: response.body))")
            }
        }
        // A new connection: a stream's ends when the stream does.
        try await server.application().test(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = try Self.samples(String(buffer: response.body))
            let runs = try await store.runs(matching: RunFilter())
            #expect(runs.count == 3)
            let byStatusAndTopology = Dictionary(grouping: runs) { "\($0.status.rawValue)/\($0.topology ?? "none")" }.mapValues { Double($0.count) }
            let counted = Dictionary(
                samples.filter { $0.name == "orchestrate_runs_total" }.map {
                    ("\($0.labels["status"] ?? "")/\($0.labels["topology"] ?? "")", $0.value)
                },
                uniquingKeysWith: +
            )
            #expect(counted == byStatusAndTopology)
            var messages: [MessageRecord] = []
            for run in runs { messages += try await store.messages(runID: run.id) }
            #expect(messages.count >= 6)
            let calls = samples.filter { $0.name == "orchestrate_model_calls_total" }
            #expect(calls.reduce(0) { $0 + $1.value } == Double(messages.count))
            for (model, made) in Dictionary(grouping: messages, by: \.model) {
                let answered = Double(made.filter { $0.error == nil && $0.response != nil }.count)
                #expect(calls.first { $0.labels == ["model": model, "outcome": "answered"] }?.value ?? 0 == answered, "\(model)")
                let prompt = samples.first { $0.name == "orchestrate_tokens_total" && $0.labels == ["model": model, "kind": "prompt"] }
                #expect(prompt?.value == Double(made.reduce(0) { $0 + $1.promptTokens }), "\(model)")
                let cost = samples.first { $0.name == "orchestrate_cost_usd_total" && $0.labels == ["model": model] }
                #expect(abs((cost?.value ?? -1) - made.reduce(0) { $0 + $1.costUSD }) < 1e-9, "\(model)")
                let latency = samples.first { $0.name == "orchestrate_model_call_duration_seconds_count" && $0.labels == ["model": model] }
                #expect(latency?.value == Double(made.count), "\(model)")
            }
            let runLatencies = samples.filter { $0.name == "orchestrate_run_duration_seconds_count" }.reduce(0) { $0 + $1.value }
            #expect(runLatencies == 3)
        }
    }
}
