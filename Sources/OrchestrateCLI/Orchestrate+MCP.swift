import ArgumentParser
import CommandLineSupport
import Dispatch
import Foundation
import MCP
import Orchestrator
import OrchestratorServer

extension Orchestrate {
    struct MCPCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mcp",
            abstract: "Serve orchestrate's tools to one MCP client over standard input and output.",
            discussion: """
                For agent frameworks that reach tools over the Model Context Protocol (Claude Desktop and Code, the \
                OpenAI Agents SDK, LangGraph, Swift apps): add `orchestrate mcp` (with --db, --fleet as needed) as a \
                stdio server. Tools: run (a task through the team; progress per agent turn; cancellable), list_runs, \
                show_run, replay_run, feedback; resources: orchestrate://runs/{run_id}, a run's trace. Logs go to \
                standard error. For streamable HTTP, `orchestrate serve` answers MCP at /mcp behind its token.
                """
        )

        @OptionGroup var common: CommonOptions

        @OptionGroup var embedding: EmbeddingOptions

        @Option(name: .long, help: "A trained controller file, pinned; default: the store's live controller, followed as it changes.")
        var controller: String?

        @Option(name: .long, help: "How messages between agents are checked, unless a call says otherwise.")
        var verify: VerificationPolicy = .check

        @Option(name: .long, help: "Runs in flight at once; more calls wait their turn.")
        var maxConcurrentRuns: Int = 4

        func validate() throws {
            guard maxConcurrentRuns >= 1 else { throw ValidationError("--max-concurrent-runs must be at least 1, got \(maxConcurrentRuns)") }
        }

        func run() async throws {
            let parts = try await ServingParts.open(common: common, embedding: embedding, controller: controller)
            let orchestrator = try await parts.orchestrator(verification: verify)
            let live = try await parts.liveController(of: orchestrator)
            let toolbox = MCPToolbox(orchestrator: orchestrator, live: live, maxConcurrentRuns: maxConcurrentRuns, logger: parts.logger)
            let serving = Task { try await toolbox.serve(over: StdioTransport(logger: parts.logger), grace: .seconds(5)) }
            let following = Task { if parts.parameters == nil { await live.follow(every: .seconds(15)) } }
            // Told to stop: the runs in flight are cancelled (and recorded so) before the process ends.
            let signals = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { serving.cancel() }
                source.resume()
                return source
            }
            defer { for source in signals { source.cancel() } }
            try await serving.value
            following.cancel()
            await writeAbandonedRuns(of: parts.store)
        }
    }
}
