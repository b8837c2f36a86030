import ArgumentParser
import Foundation
import Logging
import Orchestrator

/// Options every command that touches the catalogue or the trace store shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "The workflows folder (roles/, topologies/, fleets/).")
    var workflows: String = "Workflows"

    @Option(name: .long, help: "The fleet file (default: <workflows>/fleets/simulated.json).")
    var fleet: String?

    @Option(name: .long, help: "The SQLite trace database.")
    var db: String = "Traces/traces.sqlite"

    @Option(name: .long, help: "A folder of recorded outcomes (RouteLLM's evals data) for a fleet of recorded models.")
    var recordings: String?

    @Flag(name: .long, help: "Log debug detail to standard error.")
    var verbose = false

    /// Sets up logging for the process (the executable's job, never the library's).
    func bootstrapLogging() -> Logger {
        let level: Logger.Level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "orchestrate")
    }
}

extension CommonOptions {
    /// The providers for a fleet: the standard ones, and the recorded one when the fleet needs it.
    /// Throws a `ValidationError`-like message when a recorded fleet has no recordings.
    func providers(for fleet: Fleet) throws -> ProviderRegistry {
        let needsRecordings = fleet.models.contains { $0.provider == .recorded }
        guard let recordings else {
            if needsRecordings {
                throw CommandInputError(
                    "fleet '\(fleet.name)' answers from recorded outcomes: pass their folder with --recordings DIR (for example ../shared/data/routellm)"
                )
            }
            return ProviderRegistry()
        }
        return ProviderRegistry(recordings: try RouteLLMDataset.load(directory: recordings))
    }
}

/// Input the command cannot work with; printed as it is, exit status 2.
struct CommandInputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
