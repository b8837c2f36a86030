import ArgumentParser
import Foundation
import Logging
import Orchestrator

/// The store at `path`; a missing file prints one line and exits with status 2 (reading never creates a database).
package func openTraceStore(path: String) throws -> TraceStore {
    guard FileManager.default.fileExists(atPath: path) else {
        printError("error: \(path): no trace database here (orchestrate run creates it; --db names another)")
        throw ExitCode(2)
    }
    return try TraceStore.open(path: path, logger: Logger(label: "orchestrate.traces"))
}

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
    package static let help: ArgumentHelp = "The SQLite trace database (default: $ORCHESTRATE_DB if set, else Traces/traces.sqlite)."
}
