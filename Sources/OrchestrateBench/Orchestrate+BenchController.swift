import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate.Bench {
    struct Controller: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of one controller decision (query embedding plus the four stages) as the fleet and role library grow.",
            discussion: """
                Scales the workflows' catalogue to each fleet size and role-library size (copies of its models and \
                roles, renamed, with their prices and descriptions varied), builds the controller (embedding the \
                catalogue once, not timed), then times --plans greedy plans of the task file's queries. Reports \
                p50 and p99 per plan, and each size's p50 against the smallest fleet's. For reference, MasRouter's \
                forward pass was observed at about 11 ms p50 (third-party measurement).
                """
        )

        @OptionGroup var inputs: BenchInputs

        @Option(name: .long, parsing: .upToNextOption, help: "Fleet sizes.")
        var models: [Int] = [5, 10, 50, 500]

        @Option(name: .long, parsing: .upToNextOption, help: "Role library sizes.")
        var roles: [Int] = [30, 300]

        @Option(name: .long, help: "Plans timed at each size.")
        var plans: Int = 2000

        func validate() throws {
            guard !models.isEmpty, models.allSatisfy({ (1...5000).contains($0) }) else { throw ValidationError("--models: sizes from 1 to 5000") }
            guard !roles.isEmpty, roles.allSatisfy({ (1...5000).contains($0) }) else { throw ValidationError("--roles: sizes from 1 to 5000") }
            guard (10...1_000_000).contains(plans) else { throw ValidationError("--plans must be from 10 to 1000000, got \(plans)") }
        }

        func run() async throws {
            let workload = try BenchWorkload(inputs, db: ":memory:")
            print("controller decision latency · queries of \(inputs.tasks) · \(plans) plans a size · greedy · hashing-256 embedder")
            print(BenchWorkload.machine)
            var table = [["models", "roles", "p50 µs", "p99 µs", "mean µs", "p50 vs smallest fleet", "fleet ratio"]]
            let clock = ContinuousClock()
            for roleCount in roles {
                var baseline: (models: Int, p50: Double)?
                for modelCount in models {
                    let catalog = Self.scaled(workload.catalog, models: modelCount, roles: roleCount)
                    let controller = try await CascadedController(catalog: catalog)
                    let queries = (0..<plans).map { workload.task($0) }
                    for task in queries.prefix(50) { _ = try await controller.plan(for: task, seed: 1) }
                    var times: [Double] = []
                    times.reserveCapacity(plans)
                    for (index, task) in queries.enumerated() {
                        let start = clock.now
                        _ = try await controller.plan(for: task, seed: UInt64(index))
                        times.append((clock.now - start).seconds * 1e6)
                    }
                    let measured = Measurement(times)
                    let mean = times.reduce(0, +) / Double(times.count)
                    let first = baseline ?? (modelCount, measured.median)
                    baseline = first
                    table.append([
                        "\(modelCount)", "\(roleCount)", String(format: "%.1f", measured.median), String(format: "%.1f", measured.quantile(0.99)),
                        String(format: "%.1f", mean), String(format: "×%.2f", measured.median / first.p50),
                        String(format: "×%.0f", Double(modelCount) / Double(first.models)),
                    ])
                }
            }
            printColumns(table)
        }

        /// The catalogue with exactly `models` models and `roles` roles: its own, repeated under new names with
        /// prices and descriptions varied so that no two candidates score alike.
        static func scaled(_ base: Catalog, models: Int, roles: Int) -> Catalog {
            var catalog = base
            catalog.fleet.models = (0..<models).map { index in
                var model = base.fleet.models[index % base.fleet.models.count]
                let copy = index / base.fleet.models.count
                if copy > 0 {
                    model.name += "-\(copy)"
                    model.modelID += "-\(copy)"
                    let factor = 1 + 0.07 * Double(copy)
                    model.inputPricePerMillion *= factor
                    model.outputPricePerMillion *= factor
                    model.description += " Variant \(copy), tuned for batch \(copy % 7)."
                }
                return model
            }
            catalog.roles = (0..<roles).map { index in
                var role = base.roles[index % base.roles.count]
                let copy = index / base.roles.count
                if copy > 0 {
                    role.name += "-\(copy)"
                    role.description += " (variant \(copy))"
                }
                return role
            }
            return catalog
        }
    }
}
