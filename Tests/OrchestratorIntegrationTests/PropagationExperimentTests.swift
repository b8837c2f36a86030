import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The experiment issue 4 asks for: 210 runs with fixed seeds (the 30 math tasks of `sample-50.jsonl`, seven
/// times each), each a 6-agent debate of the repository's simulated fleet with one persuasive faulty agent;
/// propagation with `check+quarantine` must be at most half of that with verification off.
///
/// It runs `orchestrate-bench propagation` in a child process, with the fleet's latencies set to zero: the
/// runs are CPU-bound then, and in this process they would starve the timing tests of the shared pool.
@Suite(.timeLimit(.minutes(5)))
struct PropagationExperimentTests {
    struct PolicyRow: Decodable {
        var policy: String
        var runs: Int
        var accuracy: Double?
        var propagationRate: Double?
        var flaggedMessages: Int
        var quarantinedAgents: Int
        var costUSD: Double
    }

    /// The repository's simulated fleet with every latency set to zero, written to `directory`.
    static func instantFleet(in directory: URL) throws -> String {
        let source = TestSupport.workflows + "/fleets/simulated.json"
        var fleet = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source))) as? [String: Any])
        var models = try #require(fleet["models"] as? [[String: Any]])
        for index in models.indices {
            var simulation = try #require(models[index]["simulation"] as? [String: Any])
            simulation["latencyMilliseconds"] = 0
            simulation["latencyJitterMilliseconds"] = 0
            models[index]["simulation"] = simulation
        }
        fleet["models"] = models
        let path = directory.appendingPathComponent("instant-simulated.json").path
        try JSONSerialization.data(withJSONObject: fleet).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(.exclusive) func checkingAndQuarantineAtLeastHalvePropagation() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try await TestSupport.runBench([
            "propagation", "Workflows/tasks/sample-50.jsonl", "--domain", "math", "--topology", "debate", "--agents", "6",
            "--inject", "persuasive@random", "--repeat", "7", "--seed", "2026", "--policies", "off", "check+quarantine",
            "--fleet", try Self.instantFleet(in: directory), "--db", directory.appendingPathComponent("traces.sqlite").path,
            "--parallel", "8", "--json",
        ])
        #expect(run.status == 0, "\(run.error)")
        let rows = try run.output.split(separator: "\n").map { try JSONDecoder().decode(PolicyRow.self, from: Data($0.utf8)) }
        let off = try #require(rows.first { $0.policy == "off" })
        let guarded = try #require(rows.first { $0.policy == "check+quarantine" })
        #expect(off.runs == 210 && guarded.runs == 210)
        let offRate = try #require(off.propagationRate)
        let guardedRate = try #require(guarded.propagationRate)
        #expect(offRate > 0.1, "without checks a persuasive agent should sway some honest agents; got \(offRate)")
        #expect(guardedRate <= offRate / 2, "off \(offRate), check+quarantine \(guardedRate)")
        #expect(guarded.quarantinedAgents >= 210, "every faulty agent fails its checks twice")
        #expect(off.flaggedMessages == 0 && guarded.flaggedMessages > 0)
    }
}
