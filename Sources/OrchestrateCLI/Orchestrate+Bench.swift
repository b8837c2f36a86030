import ArgumentParser

extension Orchestrate {
    /// Experiments that measure routing and verification on many runs at once.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure verification and routing: error propagation, checked escalation on recorded data.",
            subcommands: [Propagation.self, AgentsNet.self, Escalation.self]
        )
    }
}
