import ArgumentParser
import CommandLineSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `orchestrate` command: a thin shell over the `Orchestrator` library.
@main
struct Orchestrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrate",
        abstract: "Route tasks across a fleet of language models, run the team of agents, and trace every step in SQLite.",
        subcommands: [
            Run.self, Train.self, Eval.self, Traces.self, Replay.self, Feedback.self, Serve.self, MCPCommand.self, Controller.self, UI.self,
            Import.self,
            FleetCommands.self, Probe.self,
        ]
    )

    /// Parses and runs the command. A write past a file-size limit (`ulimit -f`) then fails with an error the trace
    /// store reports, rather than killing the process with SIGXFSZ before it can say what happened.
    static func main() async {
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
