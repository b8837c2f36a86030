import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

#if canImport(Glibc)
    import Glibc
#endif

/// A process killed in the middle of a run leaves its finished messages and a run marked interrupted.
@Suite(.timeLimit(.minutes(5)))
struct DurabilityTests {
    @Test(arguments: StoreEngine.available) func aKilledRunKeepsItsMessagesAndIsMarkedInterrupted(engine: StoreEngine) async throws {
        let executable = try #require(TestSupport.executable(), "the orchestrate executable was not built")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await engine.withDatabase { (database: String) async throws in
            let location = try TraceDatabaseLocation(database)
            let fleet = directory.appendingPathComponent("slow.json").path
            let task = directory.appendingPathComponent("task.json").path
            try """
            {"name": "slow-simulated", "description": "SIMULATED slow test fleet", "models": [
              {"name": "sim-slow", "provider": "simulated", "description": "slow simulated model",
               "simulation": {"accuracy": {"general": 0.9}, "latencyMilliseconds": 700}}]}
            """.write(toFile: fleet, atomically: true, encoding: .utf8)
            try #"{"id": "long-chain", "query": "What is 6 times 7?", "constraints": {"topology": "chain", "agentCount": 5}}"#
                .write(toFile: task, atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = executable
            process.arguments = ["run", task, "--fleet", fleet, "--db", database, "--workflows", TestSupport.workflows]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let exited = Task { try await TestSupport.runToExit(process) }

            var messagesBeforeKill = 0
            var watcher: TraceStore?
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
                if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) { continue }
                if watcher == nil { watcher = try await TraceStore.open(location, logger: TestSupport.logger) }
                let store = try #require(watcher)
                messagesBeforeKill = try await store.counts().messages
                if messagesBeforeKill >= 2 { break }
            }
            try #require(messagesBeforeKill >= 2, "the child never recorded two messages")
            #expect(process.isRunning, "the chain of five 700 ms calls must still be running")
            kill(process.processIdentifier, SIGKILL)
            try await exited.value
            #expect(process.terminationReason == .uncaughtSignal)

            let store = try await TraceStore.open(location, logger: TestSupport.logger)
            let runs = try await store.recentRuns()
            #expect(runs.count == 1)
            let run = try #require(runs.first)
            #expect(run.status == .interrupted)
            #expect(run.error?.contains("interrupted") == true)
            let messages = try await store.messages(runID: run.id)
            #expect(messages.count >= messagesBeforeKill)
            #expect(messages.count < 5)
            #expect(messages.allSatisfy { $0.response != nil && $0.error == nil })
            #expect(try await store.decisions(runID: run.id).count == 2 + 2 * 5)
        }
    }

    @Test(arguments: StoreEngine.available) func runsOfLiveProcessesAreLeftRunning(engine: StoreEngine) async throws {
        try await engine.withDatabase { (database: String) async throws in
            let location = try TraceDatabaseLocation(database)
            let store = try await TraceStore.open(location, logger: TestSupport.logger)
            let orchestrator = try await TestSupport.orchestrator(catalog: try TestSupport.catalog(), store: store)
            let result = try await orchestrator.run(OrchestrationTask(id: "done", query: "What is 2 + 2?"), seed: 0)
            // One run still going in a live process (this one's parent), one whose process has ended.
            let ended = Process()
            ended.executableURL = URL(fileURLWithPath: "/bin/true")
            try await TestSupport.runToExit(ended)
            for (id, pid) in [("live", Int(getppid())), ("dead", Int(ended.processIdentifier))] {
                var record = TestSupport.runRecord(id: id)
                record.processID = pid
                try await store.beginRun(record)
            }
            let reopened = try await TraceStore.open(location, logger: TestSupport.logger)
            #expect(try await reopened.run(id: result.runID)?.status == .completed)
            #expect(try await reopened.run(id: "live")?.status == .running, "a live process's run is left running")
            #expect(try await reopened.run(id: "dead")?.status == .interrupted)
        }
    }
}
