import ArgumentParser

extension Orchestrate {
    /// Experiments that measure routing and verification on many runs at once.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure verification, routing and training: error propagation, checked escalation on recorded data, training speed.",
            subcommands: [
                Propagation.self, AgentsNet.self, Escalation.self, Routing.self, Training.self, Controller.self, Executor.self, Store.self,
                CriticalPath.self,
            ]
        )
    }
}
