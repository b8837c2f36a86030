import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct Propagation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the same tasks with injected faults under each verification policy and compare how far the errors spread.",
            discussion: """
                Every run is recorded in the trace database. For each policy the report gives accuracy, the \
                propagation rate (the share of honest agents whose final answer adopts the injected error), \
                messages flagged, deliveries withheld, agents quarantined, and the cost of verification: the \
                re-asks, and the whole difference in cost against 'off'.
                """
        )

        @Argument(help: "The task file (.jsonl).")
        var file: String

        @OptionGroup var common: CommonOptions

        @OptionGroup var overrides: TaskOverrides

        @Option(name: .long, help: "Only the tasks of this domain.")
        var domain: Domain?

        @Option(name: .long, parsing: .upToNextOption, help: "The policies to compare.")
        var policies: [VerificationPolicy] = VerificationPolicy.allCases

        @Option(name: .long, help: "The base seed.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "How many tasks run at once.")
        var parallel: Int = 4

        @Flag(name: .long, help: "Print one JSON object per policy instead of the table.")
        var json = false

        func validate() throws {
            guard !overrides.inject.isEmpty else {
                throw ValidationError("give at least one --inject KIND[@AGENT|@random][=VALUE]: propagation is measured from injected faults")
            }
            guard (1...64).contains(parallel) else {
                throw ValidationError("--parallel must be from 1 to 64, got \(parallel)")
            }
        }

        func run() async throws {
            let logger = common.bootstrapLogging()
            let inputs = try common.loadInputs(file: file, overrides: overrides) { domain == nil || $0.domain == domain }
            let (catalog, tasks) = (inputs.catalog, inputs.tasks)
            let store = try await openTraceStore(common.db, creating: true, logger: logger)
            let label = catalog.fleet.isSimulated ? "SIMULATED fleet" : "fleet"
            if !json {
                print(
                    "\(label) \(catalog.fleet.name) · \(tasks.count) runs per policy · faults: \(overrides.inject.joined(separator: ", ")) · traces: \(store.name)"
                )
            }

            var rows: [(VerificationPolicy, BatchSummary)] = []
            for policy in policies {
                let configuration = OrchestratorConfiguration(
                    workflowsDirectory: common.workflows,
                    fleetPath: common.fleet,
                    databasePath: common.db,
                    verification: policy
                )
                let orchestrator = try await Orchestrator(
                    catalog: catalog,
                    store: store,
                    configuration: configuration,
                    providers: inputs.providers,
                    logger: logger
                )
                let results = try await orchestrator.runBatch(tasks, seed: seed, parallel: parallel)
                rows.append((policy, BatchSummary(results: results)))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for (policy, summary) in rows {
                    print(String(decoding: try encoder.encode(PolicyRow(policy: policy, summary: summary)), as: UTF8.self))
                }
            } else {
                printTable(rows)
            }
        }

        /// One policy's totals, as `--json` prints them.
        struct PolicyRow: Codable {
            var policy: String
            var runs: Int
            var accuracy: Double?
            var propagationRate: Double?
            var flaggedMessages: Int
            var withheldDeliveries: Int
            var quarantinedAgents: Int
            var verificationCalls: Int
            var verificationCostUSD: Double
            var costUSD: Double

            init(policy: VerificationPolicy, summary: BatchSummary) {
                self.policy = policy.rawValue
                runs = summary.runs
                accuracy = summary.accuracy
                propagationRate = summary.meanPropagationRate
                flaggedMessages = summary.flaggedMessages
                withheldDeliveries = summary.withheldDeliveries
                quarantinedAgents = summary.quarantinedAgents
                verificationCalls = summary.verificationCalls
                verificationCostUSD = summary.verificationCostUSD
                costUSD = summary.costUSD
            }
        }

        private func printTable(_ rows: [(VerificationPolicy, BatchSummary)]) {
            let header = ["policy", "runs", "accuracy", "propagation", "flagged", "withheld", "quarantined", "re-asks", "cost USD", "vs off"]
            var table = [header]
            let baseline = rows.first { $0.0 == .off }?.1.costUSD
            for (policy, summary) in rows {
                let extra = baseline.map { base in base > 0 ? String(format: "%+.1f%%", (summary.costUSD - base) / base * 100) : "—" } ?? "—"
                table.append([
                    policy.rawValue,
                    String(summary.runs),
                    summary.accuracy.map { String(format: "%.1f%%", $0 * 100) } ?? "—",
                    summary.meanPropagationRate.map { String(format: "%.1f%%", $0 * 100) } ?? "—",
                    String(summary.flaggedMessages),
                    String(summary.withheldDeliveries),
                    String(summary.quarantinedAgents),
                    String(summary.verificationCalls),
                    String(format: "%.6f", summary.costUSD),
                    extra,
                ])
            }
            printColumns(table)
        }
    }
}

extension Domain: ExpressibleByArgument {}
