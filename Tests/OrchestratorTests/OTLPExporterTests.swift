import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Live OpenTelemetry: each run's spans reach an OTLP/HTTP receiver as the run ends, the same document
/// `traces export --format otel` writes.
@Suite(.timeLimit(.minutes(5))) struct OTLPExporterTests {
    /// What a test OTLP/HTTP receiver was sent.
    actor Received {
        private(set) var requests: [(contentType: String?, body: Data)] = []
        func add(_ contentType: String?, _ body: Data) { requests.append((contentType, body)) }
    }

    @Test func eachRunsSpansReachTheReceiverAsTheFileExportWritesThem() async throws {
        let received = Received()
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            await received.add(request.headers[.contentType], Data(body.readableBytesView))
            return Response(status: .ok)
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in
            let port = try #require(client.port)
            let store = try TraceStore.inMemory()
            let exporter = try OTLPExporter(endpoint: "http://127.0.0.1:\(port)", logger: TestSupport.logger)
            #expect(exporter.url == "http://127.0.0.1:\(port)/v1/traces")
            let orchestrator = try await Orchestrator(
                catalog: try TestSupport.catalog(),
                store: store,
                configuration: OrchestratorConfiguration(verification: .checkAndQuarantine, otlpExporter: exporter),
                logger: TestSupport.logger
            )
            let tasks = [
                OrchestrationTask(id: "debate", query: "What is 14 * 12 - 91?", constraints: Constraints(topology: "debate", agentCount: 3)),
                OrchestrationTask(id: "single", query: "What is 2 + 3?", constraints: Constraints(topology: "single")),
            ]
            var runIDs: [String] = []
            for task in tasks { runIDs.append(try await orchestrator.run(task, seed: 4).runID) }
            await orchestrator.flushExports()
            let requests = await received.requests
            #expect(requests.count == 2, "one request a run")
            #expect(requests.allSatisfy { $0.contentType == "application/json" })
            for (request, runID) in zip(requests, runIDs) {
                let trace = try #require(try await store.trace(runID: runID))
                let expected =
                    try JSONSerialization.jsonObject(with: try JSONEncoder().encode(OpenTelemetryExport.document([trace]))) as? NSDictionary
                let sent = try JSONSerialization.jsonObject(with: request.body) as? NSDictionary
                #expect(sent != nil && sent == expected, "the spans of the file export for \(runID)")
                let spans =
                    (((sent?["resourceSpans"] as? [[String: Any]])?.first?["scopeSpans"] as? [[String: Any]])?.first?["spans"] as? [[String: Any]])
                    ?? []
                #expect(spans.count == 1 + trace.agents.count + trace.messages.count, "a span for the run, each agent and each call")
            }
        }
        // A collector that is not there costs the run nothing.
        let orchestrator = try await Orchestrator(
            catalog: try TestSupport.catalog(),
            store: try TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(otlpExporter: try OTLPExporter(endpoint: "http://127.0.0.1:1", logger: TestSupport.logger)),
            logger: TestSupport.logger
        )
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await orchestrator.run(OrchestrationTask(id: "t", query: "What is 2 + 3?")).status == .completed)
        #expect(clock.now - start < .seconds(4), "the run did not wait out the collector's 5 s time limit")
        await orchestrator.flushExports()
        #expect(throws: FieldError.self) { try OTLPExporter(endpoint: "collector:4318", logger: TestSupport.logger) }
    }
}
