import Foundation
import Logging
import Orchestrator
import OrchestratorTestSupport
import Testing

/// The library used the way an agent framework would, through its public API only (no `@testable`): build a
/// task, run it, read its trace, analyse and replay it. README's "The library" section shows the same code.
@Suite(.timeLimit(.minutes(5)))
struct LibraryUsageTests {
    @Test(.exclusive) func anAgentFrameworkBuildsATaskRunsItAndReadsItsTrace() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-library-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "my-framework")
        logger.logLevel = .critical

        // Set up once: the catalogue from Workflows/, the trace database, a verification policy.
        let workflows = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Workflows").path
        let orchestrator = try await Orchestrator(
            configuration: OrchestratorConfiguration(
                workflowsDirectory: workflows,
                databasePath: directory.appendingPathComponent("traces.sqlite").path,
                verification: .checkAndQuarantine
            ),
            logger: logger
        )

        // Build a task and run it.
        let task = OrchestrationTask(
            id: "invoice-total",
            query: "An invoice lists 3 chairs at 45 dollars and 2 tables at 120 dollars. What is the total in dollars?",
            domain: .math,
            expected: ExpectedAnswer(value: "375", kind: .number),
            budget: Budget(maxCostUSD: 0.05, deadlineSeconds: 30),
            constraints: Constraints(topology: "debate", agentCount: 3)
        )
        let result = try await orchestrator.run(task, seed: 42)
        #expect(result.status == .completed)
        #expect(result.plan?.topology == "debate" && result.agentAnswers.count == 3)
        #expect(result.simulated, "the default fleet is the labelled simulated one")

        // Read its trace back: the plan's decisions, every call, every delivery and verdict.
        let trace = try #require(try await orchestrator.store.trace(runID: result.runID))
        #expect(trace.run.answer == result.answer && trace.run.score == result.score)
        #expect(trace.decisions.count == 2 + 2 * 3, "topology, agent count, then a role and a model per agent")
        #expect(trace.messages.count == result.messageCount)
        #expect(trace.deliveries.allSatisfy { $0.verdict != "unchecked" }, "messages were checked before neighbours saw them")
        #expect(trace.verifications.contains { $0.checkName == "arithmetic" })

        // Analyse: filters and statistics over stored runs; an OpenTelemetry export of this one.
        let debates = try await orchestrator.store.runs(matching: RunFilter(topology: "debate", minScore: 0))
        #expect(debates.map(\.id) == [result.runID])
        let byModel = try await orchestrator.store.statistics(by: .model)
        #expect(byModel.rows.reduce(0) { $0 + ($1.calls ?? 0) } == trace.messages.count)
        let otlp = try JSONEncoder().encode(OpenTelemetryExport.document([trace]))
        #expect(String(decoding: otlp, as: UTF8.self).contains("gen_ai.usage.input_tokens"))

        // Replay it on the recorded responses without checks: nothing is called, the difference is listed.
        let replay = try await orchestrator.replay(trace, verification: .off)
        #expect(replay.misses.isEmpty && replay.replay.verification.policy == .off)
        #expect(try await orchestrator.store.run(id: replay.replay.runID)?.replayOf == result.runID)
    }
}
