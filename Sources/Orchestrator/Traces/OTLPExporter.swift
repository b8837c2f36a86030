import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Sends each run's spans to an OpenTelemetry collector over OTLP/HTTP the moment the run ends: exactly the spans
/// `traces export --format otel` writes for it (the same builder, `OpenTelemetryExport`), one request a run, in
/// OTLP's JSON encoding, posted to `{endpoint}/v1/traces` (an endpoint that already ends in `/v1/traces` is used as it
/// is). Sending happens beside the runs: a collector that is slow, down or refusing costs a run nothing but a logged
/// warning; `flush()` waits for what is still being sent (a command that is about to exit).
public struct OTLPExporter: Sendable {
    /// Where the spans go.
    public let url: String
    let timeLimit: TimeAmount
    let logger: Logger
    private let sending = Sending()

    /// The sends still going on.
    private actor Sending {
        var tasks: [UUID: Task<Void, Never>] = [:]

        /// Starts `work`, kept until it ends (registered before it can end, so nothing is left behind).
        func start(_ work: @escaping @Sendable () async -> Void) {
            let id = UUID()
            tasks[id] = Task {
                await work()
                self.remove(id)
            }
        }

        func remove(_ id: UUID) { tasks[id] = nil }
        func all() -> [Task<Void, Never>] { Array(tasks.values) }
    }

    /// An exporter to `endpoint` (`http://host:4318` or the full `…/v1/traces`); `field` names the option in errors.
    public init(endpoint: String, field: String = "--otlp-endpoint", timeLimit: Duration = .seconds(5), logger: Logger) throws(FieldError) {
        guard let components = URLComponents(string: endpoint), ["http", "https"].contains(components.scheme ?? ""), components.host?.isEmpty == false
        else {
            throw FieldError(
                field: field,
                problem: "expected an http(s) URL of an OTLP/HTTP collector such as http://127.0.0.1:4318, got '\(endpoint)'"
            )
        }
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        url = trimmed.hasSuffix("/v1/traces") ? trimmed : trimmed + "/v1/traces"
        self.timeLimit = .nanoseconds(Int64(timeLimit.components.seconds) * 1_000_000_000 + timeLimit.components.attoseconds / 1_000_000_000)
        self.logger = logger
    }

    /// Starts reading a finished run's trace from `store` and sending its spans, and returns (in a task of its own,
    /// so that neither a slow collector nor a cancelled caller touches the run).
    public func submit(runID: String, from store: TraceStore) async {
        await sending.start { [self] in
            do {
                if let trace = try await store.trace(runID: runID) { await export(trace) }
            } catch {
                logger.warning("could not read a run's trace for the OTLP collector", metadata: ["run": "\(runID)", "error": "\(error)"])
            }
        }
    }

    /// Waits for every send still going on.
    public func flush() async {
        for task in await sending.all() { await task.value }
    }

    /// Posts one run's spans; logs, and otherwise ignores, a failure.
    public func export(_ trace: RunTrace) async {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let body = try encoder.encode(OpenTelemetryExport.document([trace]))
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(body)))
            let response = try await HTTPClient.shared.execute(request, timeout: timeLimit)
            guard (200..<300).contains(response.status.code) else {
                logger.warning("the OTLP collector refused a run's spans", metadata: ["url": "\(url)", "status": "\(response.status.code)"])
                return
            }
        } catch {
            logger.warning("could not send a run's spans to the OTLP collector", metadata: ["url": "\(url)", "error": "\(error)"])
        }
    }
}
