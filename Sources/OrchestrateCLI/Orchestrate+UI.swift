import ArgumentParser
import CommandLineSupport
import Foundation
import Hummingbird
import Logging
import Orchestrator
import OrchestratorServer

extension Orchestrate {
    struct UI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ui",
            abstract: "Browse a trace database in a web browser: runs, each run's agent graph, timeline and messages, statistics, evaluation.",
            discussion: """
                Serves the web trace viewer alone, reading the store (nothing is run, nothing is written but the \
                marking of abandoned runs every open does); `serve` serves the same pages under /ui beside its API. \
                Binds loopback by default: the pages show prompts and replies, so keep them off open networks.
                """
        )

        @Option(name: .long, help: TraceDatabaseDefault.help)
        var db: String = TraceDatabaseDefault.path

        @Option(name: .long, help: "The address to bind.")
        var host: String = "127.0.0.1"

        @Option(name: .long, help: "The port; 0 picks a free one (printed on start).")
        var port: Int = 8090

        func run() async throws {
            let logger = Logger(label: "orchestrate.ui")
            let store = try await openTraceStore(db, readOnly: true, logger: logger)
            let viewer = try TraceViewer(store: store)
            let host = self.host
            try await viewer.application(host: host, port: port, logger: logger) { port in
                FileHandle.standardOutput.write(Data("trace viewer on http://\(host):\(port)/ui · traces \(store.name)\n".utf8))
            }.runService()
        }
    }
}
