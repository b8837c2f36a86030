import ArgumentParser
import Foundation
import Logging
import Orchestrator

/// The trace store `reference` names (`--db`: a SQLite path or a `postgres://` URL). Reading commands never create
/// one: a missing SQLite file prints one line and exits with status 2, as does a URL that cannot be read or a server
/// that cannot be reached; `creating` makes a missing SQLite file or PostgreSQL tables; `readOnly` (commands that
/// only read) opens a SQLite file without writing to it, so a full disk still lets its runs be read.
package func openTraceStore(
    _ reference: String,
    field: String = "--db",
    creating: Bool = false,
    readOnly: Bool = false,
    logger: Logger = Logger(label: "orchestrate.traces")
) async throws -> TraceStore {
    let location: TraceDatabaseLocation
    do {
        location = try TraceDatabaseLocation(reference, field: field)
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
    if case .sqlite(let path) = location, !creating, !FileManager.default.fileExists(atPath: path) {
        printError("error: \(path): no trace database here (orchestrate run creates it; \(field) names another)")
        throw ExitCode(2)
    }
    do {
        return try await TraceStore.open(location, readOnly: readOnly, logger: logger)
    } catch {
        printError("error: \(TraceDatabaseLocation.explained(error, at: location))")
        throw ExitCode(2)
    }
}

/// Gives the runs the store could not take a last 5 s to be written before the process ends (`run`, `serve`); says
/// how many are left to the store's interruption sweep.
package func writeAbandonedRuns(of store: TraceStore) async {
    let left = await store.abandonedRuns.drain(within: .seconds(5))
    if left > 0 {
        printError("note: \(left) runs could not be written; the store marks them interrupted when it is next opened")
    }
}

/// The `--otlp-endpoint` exporter, or nil without one; a URL that is not http(s) is a validation error naming the option.
package func otlpExporter(_ endpoint: String?, logger: Logger) throws -> OTLPExporter? {
    guard let endpoint else { return nil }
    do {
        return try OTLPExporter(endpoint: endpoint, logger: logger)
    } catch {
        throw ValidationError("\(error)")
    }
}

/// The help of an `--otlp-endpoint` option.
package let otlpEndpointHelp: ArgumentHelp =
    "Send each run's spans as it ends to this OpenTelemetry collector (OTLP/HTTP, e.g. http://127.0.0.1:4318): the spans of `traces export --format otel`."

/// Comma-separated option values.
package enum CommaSeparated {
    /// Whole numbers such as split seeds, or a validation error naming the option.
    package static func seeds(_ text: String, option: String) throws -> [UInt64] {
        let seeds = text.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !seeds.isEmpty, seeds.count == text.split(separator: ",").count else {
            throw ValidationError("\(option): expected whole numbers separated by commas, got '\(text)'")
        }
        return seeds
    }
}

extension Duration {
    /// The duration in seconds.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Where commands find the trace database when `--db` is not given.
package enum TraceDatabaseDefault {
    /// `ORCHESTRATE_DB` when set (so that every command of a deployment, `serve` replicas included, names one
    /// store without repeating it), else `Traces/traces.sqlite`.
    package static var path: String {
        ProcessInfo.processInfo.environment["ORCHESTRATE_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? OrchestratorConfiguration.defaultDatabasePath
    }

    /// The help of a `--db` option.
    package static let help: ArgumentHelp =
        "The trace database: a SQLite path or postgres://user@host:port/database (default: $ORCHESTRATE_DB if set, else Traces/traces.sqlite)."
}
