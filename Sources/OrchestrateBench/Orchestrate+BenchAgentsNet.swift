import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct AgentsNet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agentsnet",
            abstract: "AgentsNet's five problems on the frozen graphs, under each verification policy, with a propagation report.",
            discussion: """
                For every problem, graph and seed it runs the agents once without faults (the baseline), then once \
                per policy with the injected faults. Scores are AgentsNet's. Propagation is the share of honest \
                agents whose final answer differs from the baseline's. Every run is recorded in the trace database.
                """
        )

        @Option(name: .long, help: "A problem: colouring, vertex-cover, matching, leader-election, consensus (repeatable; default all).")
        var problem: [AgentsNetProblem] = []

        @Option(name: .long, help: "A graph of <workflows>/graphs by name (small-world-8) or a graph file (repeatable; default all).")
        var graph: [String] = []

        @Option(name: .long, parsing: .upToNextOption, help: "The policies to compare.")
        var policies: [VerificationPolicy] = VerificationPolicy.allCases

        @Option(name: .long, help: "Make an agent faulty: KIND[@AGENT|@random] (repeatable).")
        var inject: [String] = []

        @Option(name: .long, help: "Seeds per problem and graph (0, 1, … N-1 added to --seed).")
        var seeds: Int = 3

        @Option(name: .long, help: "The base seed.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "Rounds for colouring, vertex cover and matching.")
        var rounds: Int = 4

        @Option(name: .long, help: "The fleet model every agent uses (default: the fleet's first).")
        var model: String?

        @Option(name: .long, help: "Fleet models a call falls back to, in order, when the model fails for good.")
        var fallback: [String] = []

        @OptionGroup var common: CommonOptions

        @Flag(name: .long, help: "Print one JSON object per problem and policy instead of the table.")
        var json = false

        func validate() throws {
            guard (1...1000).contains(seeds) else { throw ValidationError("--seeds must be from 1 to 1000, got \(seeds)") }
            guard (1...32).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 32, got \(rounds)") }
            for argument in inject {
                do { _ = try FaultSpec(argument: argument) } catch { throw ValidationError("\(error)") }
            }
        }

        /// Totals of one problem under one policy.
        struct Row: Codable {
            var problem: String
            var policy: String
            var runs = 0
            var meanScore = 0.0
            var meanPropagation: Double?
            var flaggedMessages = 0
            var withheldDeliveries = 0
            var quarantinedAgents = 0
            var reAsks = 0
            var costUSD = 0.0
        }

        func run() async throws {
            let logger = common.bootstrapLogging()
            let graphs: [NetworkGraph]
            let modelSpec: ModelSpec
            var fallbackModels: [ModelSpec] = []
            let providers: ProviderRegistry
            let faults: [FaultSpec]
            do {
                let catalog = try CatalogLoader(workflowsDirectory: common.workflows).load(fleetPath: common.fleet)
                guard let chosen = model.map({ catalog.fleet.model(named: $0) }) ?? catalog.fleet.models.first else {
                    throw CommandInputError(
                        "--model \(model ?? ""): not in fleet '\(catalog.fleet.name)' (\(catalog.fleet.models.map(\.name).joined(separator: ", ")))"
                    )
                }
                modelSpec = chosen
                for name in fallback {
                    guard let spec = catalog.fleet.model(named: name) else {
                        throw CommandInputError("--fallback \(name): not in fleet '\(catalog.fleet.name)'")
                    }
                    fallbackModels.append(spec)
                }
                providers = try common.providers(for: catalog.fleet)
                graphs = try loadGraphs()
                faults = try inject.map { argument throws(FieldError) in try FaultSpec(argument: argument) }
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let store = try await openTraceStore(common.db, creating: true, logger: logger)
            let runner = AgentsNetRunner(
                store: store,
                providers: providers,
                logger: logger
            )
            let problems = problem.isEmpty ? AgentsNetProblem.allCases : problem
            if !json {
                let label = modelSpec.provider == .simulated ? "SIMULATED agents (\(modelSpec.name))" : "model \(modelSpec.name)"
                print(
                    "AgentsNet · \(label) · \(graphs.count) graph(s) × \(seeds) seed(s) · faults: \(inject.isEmpty ? "none" : inject.joined(separator: ", ")) · traces: \(store.name)"
                )
            }
            var rows: [Row] = []
            for problem in problems {
                var baselineRow = Row(problem: problem.rawValue, policy: "no fault")
                var policyRows = policies.map { Row(problem: problem.rawValue, policy: $0.rawValue) }
                var propagations = [[Double]](repeating: [], count: policies.count)
                for graph in graphs {
                    for offset in 0..<UInt64(seeds) {
                        let base = AgentsNetRun(
                            problem: problem,
                            graph: graph,
                            model: modelSpec,
                            fallbackModels: fallbackModels,
                            policy: .off,
                            seed: seed + offset,
                            localRounds: rounds
                        )
                        let baseline = try await runner.run(base)
                        add(baseline, to: &baselineRow)
                        guard !faults.isEmpty else { continue }
                        for (index, policy) in policies.enumerated() {
                            var setup = base
                            setup.policy = policy
                            setup.faults = faults
                            let result: AgentsNetResult
                            do {
                                result = try await runner.run(setup)
                            } catch let error as FaultInjector.Error {
                                printError("error: --inject on \(graph.name): \(error)")
                                throw ExitCode(2)
                            }
                            add(result, to: &policyRows[index])
                            if let rate = result.propagation(against: baseline) { propagations[index].append(rate) }
                        }
                    }
                }
                rows.append(finished(baselineRow))
                if !faults.isEmpty {
                    for index in policyRows.indices {
                        var row = finished(policyRows[index])
                        row.meanPropagation = propagations[index].isEmpty ? nil : propagations[index].reduce(0, +) / Double(propagations[index].count)
                        rows.append(row)
                    }
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for row in rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
            } else {
                printTable(rows)
            }
        }

        private func add(_ result: AgentsNetResult, to row: inout Row) {
            row.runs += 1
            row.meanScore += result.score
            row.flaggedMessages += result.flaggedMessages
            row.withheldDeliveries += result.withheldDeliveries
            row.quarantinedAgents += result.quarantinedAgents.count
            row.reAsks += result.verificationCalls
            row.costUSD += result.costUSD
        }

        private func finished(_ row: Row) -> Row {
            var row = row
            if row.runs > 0 { row.meanScore /= Double(row.runs) }
            return row
        }

        private func loadGraphs() throws -> [NetworkGraph] {
            let directory = (common.workflows as NSString).appendingPathComponent("graphs")
            var paths: [String]
            if graph.isEmpty {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                paths = files.filter { $0.hasSuffix(".json") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
                guard !paths.isEmpty else { throw CommandInputError("\(directory): no graph files (*.json)") }
            } else {
                paths = graph.map { $0.hasSuffix(".json") ? $0 : (directory as NSString).appendingPathComponent("\($0).json") }
            }
            return try paths.map { path throws(CatalogError) in try NetworkGraph.load(path: path) }
        }

        private func printTable(_ rows: [Row]) {
            let header = ["problem", "policy", "runs", "score", "propagation", "flagged", "withheld", "quarantined", "re-asks", "cost USD"]
            var table = [header]
            for row in rows {
                table.append([
                    row.problem, row.policy, String(row.runs), String(format: "%.3f", row.meanScore),
                    row.meanPropagation.map { String(format: "%.1f%%", $0 * 100) } ?? "—",
                    String(row.flaggedMessages), String(row.withheldDeliveries), String(row.quarantinedAgents), String(row.reAsks),
                    String(format: "%.6f", row.costUSD),
                ])
            }
            printColumns(table)
        }
    }
}

extension AgentsNetProblem: ExpressibleByArgument {}
