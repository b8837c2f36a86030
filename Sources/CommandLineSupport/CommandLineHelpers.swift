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
