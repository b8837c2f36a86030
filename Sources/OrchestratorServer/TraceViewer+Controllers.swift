import Foundation
import Hummingbird
import Orchestrator

extension TraceViewer {
    /// The controller versions the store keeps: every promotion and rollback, every candidate with the guard's evidence,
    /// and what the runs each version planned did.
    struct ControllersPage {
        struct Promotion {
            var id: Int64
            var at: String
            var catalogue: String
            var version: String
            var previous: String
            var reason: String
            var evidence: String
        }

        struct Version {
            var version: String
            var catalogue: String
            var created: String
            var origin: String
            var verdict: String
            var trainedOn: Int
            var evidence: String
            var promoted: Bool
        }

        struct Usage {
            var version: String
            var runs: Int
            var scored: Int
            var score: String
            var cost: String
            var utility: String
            var from: String
            var to: String
        }

        var title = "Controllers"
        var navigation = Navigation(controllers: true)
        var store: String
        var lambda: String
        var live: [Promotion]
        var promotions: [Promotion]
        var versions: [Version]
        var usage: [Usage]
        var none: Bool
    }

    /// `/ui/controllers?lambda=`: utility at λ (default 20).
    func controllersPage(_ query: Parameters) async throws -> ControllersPage {
        let lambda = query.get("lambda").flatMap(Double.init).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? 20
        let promotions = try await store.controllerPromotions(catalogHash: nil).map { promotion in
            ControllersPage.Promotion(
                id: promotion.id,
                at: TraceCells.moment(promotion.promotedAt),
                catalogue: String(promotion.catalogHash.prefix(12)),
                version: promotion.version,
                previous: promotion.previousVersion ?? "—",
                reason: promotion.reason.rawValue,
                evidence: promotion.evidenceJSON.flatMap { try? JSONDecoder().decode(PromotionEvidence.self, from: Data($0.utf8)).summary } ?? ""
            )
        }
        var live: [ControllersPage.Promotion] = []
        for promotion in promotions where !live.contains(where: { $0.catalogue == promotion.catalogue }) { live.append(promotion) }
        let versions = try await store.controllerVersions(catalogHash: nil).map { version in
            ControllersPage.Version(
                version: version.version,
                catalogue: String(version.catalogHash.prefix(12)),
                created: TraceCells.moment(version.createdAt),
                origin: version.origin,
                verdict: version.verdict,
                trainedOn: version.trainedOnRuns,
                evidence: ((try? version.evidence()) ?? nil)?.summary ?? "",
                promoted: version.verdict == "promoted"
            )
        }
        let usage = try await store.controllerUsage(catalogHash: nil, costWeight: lambda).map { usage in
            ControllersPage.Usage(
                version: usage.version,
                runs: usage.runs,
                scored: usage.scoredRuns,
                score: usage.meanScore.map { String(format: "%.4f", $0) } ?? "—",
                cost: String(format: "%.6f", usage.meanCostUSD),
                utility: usage.meanUtility.map { String(format: "%.4f", $0) } ?? "—",
                from: usage.firstRunAt.map(TraceCells.moment) ?? "—",
                to: usage.lastRunAt.map(TraceCells.moment) ?? "—"
            )
        }
        return ControllersPage(
            store: store.name,
            lambda: String(format: "%g", lambda),
            live: live,
            promotions: promotions,
            versions: versions,
            usage: usage,
            none: promotions.isEmpty && versions.isEmpty && usage.isEmpty
        )
    }
}
