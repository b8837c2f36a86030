import ArgumentParser
import CommandLineSupport

/// `orchestrate-bench`: experiments and measurements on many runs at once, kept out of the `orchestrate` binary.
@main
struct Orchestrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrate-bench",
        abstract:
            "Measure verification, routing, training and speed: error propagation, escalation and routing on recorded data, the executor, the store, serve under load.",
        subcommands: [
            Bench.Propagation.self, Bench.AgentsNet.self, Bench.Escalation.self, Bench.Routing.self, Bench.Training.self,
            Bench.Controller.self, Bench.Executor.self, Bench.Store.self, Bench.Writers.self, Bench.CriticalPath.self,
            Bench.Serve.self, Bench.Learning.self,
        ]
    )

    /// The benches' namespace.
    enum Bench {}
}
