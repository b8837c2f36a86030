import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate {
    struct Controller: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The controller versions the trace store keeps for a fleet: history, promotion, rollback.",
            discussion: """
                `serve --learn` stores every candidate it trains with the promotion guard's evidence and records each \
                promotion; every `serve` on the store (without --controller) plans with the live version and follows \
                promotions within --follow-seconds. These commands show and change which version is live.
                """,
            subcommands: [History.self, Promote.self, Rollback.self]
        )
    }
}

/// The options every `controller` subcommand takes: the catalogue (whose controllers) and the store.
struct ControllerStoreOptions: ParsableArguments {
    @OptionGroup var common: CommonOptions

    /// The catalogue and the store, opened; bad input exits with status 2.
    func open() async throws -> (Catalog, TraceStore) {
        let catalog: Catalog
        do {
            catalog = try common.loadCalibratedCatalog()
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        return (catalog, try await openTraceStore(common.db))
    }
}

extension Orchestrate.Controller {
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The live controller, every promotion and rollback, every stored version with its evidence, and what the runs of each version did."
        )

        @OptionGroup var options: ControllerStoreOptions

        @Option(name: [.customLong("lambda")], help: "λ of the runs' utility.")
        var costWeight: Double = 20

        func run() async throws {
            let (catalog, store) = try await options.open()
            let hash = catalog.hash
            let promotions = try await store.controllerPromotions(catalogHash: hash)
            print("fleet \(catalog.fleet.name) (catalogue \(hash.prefix(12))) · \(store.name)")
            print("live: \(promotions.first?.version ?? "\(CascadedController.priorVersion) (nothing promoted)")")
            print("\npromotions, newest first:")
            if promotions.isEmpty { print("  none") }
            for promotion in promotions {
                print(
                    "  #\(promotion.id) \(TraceCells.moment(promotion.promotedAt)) UTC  \(promotion.version) ← \(promotion.previousVersion ?? "-") (\(promotion.reason.rawValue))"
                )
            }
            print("\nversions, newest first:")
            let versions = try await store.controllerVersions(catalogHash: hash)
            if versions.isEmpty { print("  none stored") }
            for version in versions {
                print(
                    "  \(version.version)  \(TraceCells.moment(version.createdAt)) UTC  \(version.origin), \(version.verdict), trained on \(version.trainedOnRuns) runs"
                )
                // Evidence a later version wrote in another shape is left out rather than stopping the history.
                if let evidence = (try? version.evidence()) ?? nil { print("    \(evidence.summary)") }
            }
            print(String(format: "\nruns by the version that planned them (utility at λ %g):", costWeight))
            for usage in try await store.controllerUsage(catalogHash: hash, costWeight: costWeight) {
                let utility = usage.meanUtility.map { String(format: "%.4f", $0) } ?? "—"
                let score = usage.meanScore.map { String(format: "%.4f", $0) } ?? "—"
                print(
                    "  \(usage.version): \(usage.runs) runs (\(usage.scoredRuns) scored) · mean score \(score) · mean cost $\(String(format: "%.6f", usage.meanCostUSD)) · utility \(utility)"
                )
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a version live: one the store keeps, or a controller file (stored first, then promoted).",
            discussion: "Every serve following the store plans with it within its --follow-seconds; the promotion is recorded as manual."
        )

        @Argument(help: "A stored version (as `controller history` lists it, or \(CascadedController.priorVersion)), or a controller file.")
        var version: String

        @OptionGroup var options: ControllerStoreOptions

        @OptionGroup var embedding: EmbeddingOptions

        func run() async throws {
            let (catalog, store) = try await options.open()
            var target = version
            if FileManager.default.fileExists(atPath: version) {
                let parameters = try options.common.controllerParameters(path: version, catalog: catalog, embedder: try await embedding.embedder())
                if let parameters {
                    try await store.recordControllerVersion(parameters, origin: "imported", verdict: "imported")
                    target = parameters.version
                }
            }
            do {
                let promotion = try await store.promoteController(target, catalogHash: catalog.hash, reason: .manual)
                print("live: \(promotion.version) (was \(promotion.previousVersion ?? "-")) · promotion #\(promotion.id)")
            } catch let error as ControllerVersionError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put back the version that was live before the latest promotion not rolled back yet."
        )

        @OptionGroup var options: ControllerStoreOptions

        func run() async throws {
            let (catalog, store) = try await options.open()
            do {
                let promotion = try await store.rollBackController(catalogHash: catalog.hash)
                print("live: \(promotion.version) (rolled back from \(promotion.previousVersion ?? "-")) · promotion #\(promotion.id)")
            } catch let error as ControllerVersionError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
