import ArgumentParser
import CommandLineSupport

/// The `orchestrate` command: a thin shell over the `Orchestrator` library.
@main
struct Orchestrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrate",
        abstract: "Route tasks across a fleet of language models, run the team of agents, and trace every step in SQLite.",
        subcommands: [Run.self, Train.self, Eval.self, Traces.self, Replay.self, Serve.self, UI.self, Import.self, FleetCommands.self, Probe.self]
    )
}
