import ArgumentParser
import Foundation
import Logging

/// Options every command that touches the catalogue or the trace store shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "The workflows folder (roles/, topologies/, fleets/).")
    var workflows: String = "Workflows"

    @Option(name: .long, help: "The fleet file (default: <workflows>/fleets/simulated.json).")
    var fleet: String?

    @Option(name: .long, help: "The SQLite trace database.")
    var db: String = "Traces/traces.sqlite"

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

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
