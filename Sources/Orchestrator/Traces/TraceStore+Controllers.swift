import Foundation
import GRDB

extension TraceStore {
    /// Keeps a controller's parameters under its version (once: a version already stored is left as it is), with where
    /// it came from and, for a learned one, the promotion guard's evidence and verdict.
    public func recordControllerVersion(
        _ parameters: ControllerParameters,
        origin: String,
        trainedOnRuns: Int = 0,
        evidence: PromotionEvidence? = nil,
        verdict: String
    ) async throws {
        let evidenceJSON = try evidence?.json()
        _ = try await engine.change(
            TraceQuery(
                """
                INSERT INTO "controllerVersions" ("version", "catalogHash", "createdAt", "parametersJSON", "origin", "trainedOnRuns", \
                "evidenceJSON", "verdict") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("version") DO NOTHING
                """,
                [
                    .text(parameters.version), .text(parameters.catalogHash), .moment(DatabaseTimestamp.stored(Date())),
                    .text(try parameters.json()), .text(origin), .integer(Int64(trainedOnRuns)), evidenceJSON.map(TraceValue.text) ?? .null,
                    .text(verdict),
                ]
            )
        )
    }

    /// Sets what the guard finally said of a stored version (a canary's trial ended) and its evidence.
    public func updateControllerVerdict(_ version: String, verdict: String, evidence: PromotionEvidence) async throws {
        _ = try await engine.change(
            TraceQuery(
                "UPDATE \"controllerVersions\" SET \"verdict\" = ?, \"evidenceJSON\" = ? WHERE \"version\" = ?",
                [.text(verdict), .text(try evidence.json()), .text(version)]
            )
        )
    }

    /// The controllers stored for a catalogue (nil: every catalogue), newest first.
    public func controllerVersions(catalogHash: String?) async throws -> [ControllerVersionRecord] {
        try await records(
            TraceQuery("SELECT * FROM \"controllerVersions\"") + Self.ofCatalogue(catalogHash)
                + TraceQuery(" ORDER BY \"createdAt\" DESC, \"version\" DESC")
        )
    }

    /// ` WHERE "catalogHash" = ?` for one catalogue, nothing for every one.
    static func ofCatalogue(_ catalogHash: String?, column: String = "\"catalogHash\"") -> TraceQuery {
        catalogHash.map { TraceQuery(" WHERE \(column) = ?", [.text($0)]) } ?? TraceQuery("")
    }

    /// One stored controller, or nil.
    public func controllerVersion(_ version: String) async throws -> ControllerVersionRecord? {
        try await records(
            TraceQuery("SELECT * FROM \"controllerVersions\" WHERE \"version\" = ?", [.text(version)]),
            as: ControllerVersionRecord.self
        )
        .first
    }

    /// Makes `version` the live controller of its catalogue: a row of `controllerPromotions` naming the version live
    /// before it. The prior (`CascadedController.priorVersion`) needs no stored parameters; any other version must be
    /// stored (`recordControllerVersion`), else `ControllerVersionError`.
    @discardableResult
    public func promoteController(
        _ version: String,
        catalogHash: String,
        reason: ControllerPromotionRecord.Reason,
        evidence: PromotionEvidence? = nil
    ) async throws -> ControllerPromotionRecord {
        if version != CascadedController.priorVersion {
            guard let stored = try await controllerVersion(version) else {
                throw ControllerVersionError(version: version, problem: "is not stored in \(name)")
            }
            guard stored.catalogHash == catalogHash else {
                throw ControllerVersionError(
                    version: version,
                    problem: "plans for catalogue \(stored.catalogHash.prefix(12)), not \(catalogHash.prefix(12))"
                )
            }
        }
        let evidenceJSON = try evidence?.json()
        let inserted = try await engine.change(
            TraceQuery(
                """
                INSERT INTO "controllerPromotions" ("version", "catalogHash", "promotedAt", "reason", "previousVersion", "evidenceJSON")
                VALUES (?, ?, ?, ?, COALESCE((SELECT "version" FROM "controllerPromotions" WHERE "catalogHash" = ? ORDER BY "id" DESC LIMIT 1), ?), ?)
                RETURNING *
                """,
                [
                    .text(version), .text(catalogHash), .moment(DatabaseTimestamp.stored(Date())), .text(reason.rawValue), .text(catalogHash),
                    .text(CascadedController.priorVersion), evidenceJSON.map(TraceValue.text) ?? .null,
                ]
            )
        )
        guard let row = inserted.first else { throw ControllerVersionError(version: version, problem: "was not recorded as promoted") }
        return try ControllerPromotionRecord(row: row.row)
    }

    /// The live controller's promotion for a catalogue; nil when none was ever promoted (the prior, or the controller a
    /// process was started with, plans).
    public func liveController(catalogHash: String) async throws -> ControllerPromotionRecord? {
        try await records(
            TraceQuery(
                "SELECT * FROM \"controllerPromotions\" WHERE \"catalogHash\" = ? ORDER BY \"id\" DESC LIMIT 1",
                [.text(catalogHash)]
            ),
            as: ControllerPromotionRecord.self
        ).first
    }

    /// Every change of a catalogue's live controller (nil: of every catalogue), newest first.
    public func controllerPromotions(catalogHash: String?) async throws -> [ControllerPromotionRecord] {
        try await records(TraceQuery("SELECT * FROM \"controllerPromotions\"") + Self.ofCatalogue(catalogHash) + TraceQuery(" ORDER BY \"id\" DESC"))
    }

    /// Puts back the controller that was live before the latest promotion not yet rolled back, and returns the new
    /// promotion; `ControllerVersionError` when nothing is left to roll back.
    @discardableResult
    public func rollBackController(catalogHash: String) async throws -> ControllerPromotionRecord {
        let history = try await controllerPromotions(catalogHash: catalogHash)
        var rolledBack = 0
        for promotion in history {
            if promotion.reason == .rollback {
                rolledBack += 1
            } else if rolledBack > 0 {
                rolledBack -= 1
            } else {
                let target = promotion.previousVersion ?? CascadedController.priorVersion
                return try await promoteController(target, catalogHash: catalogHash, reason: .rollback)
            }
        }
        throw ControllerVersionError(
            version: history.first?.version ?? CascadedController.priorVersion,
            problem: "has no earlier controller to roll back to"
        )
    }
}

/// What the runs one controller version planned did: how many, and their mean score, cost and utility.
public struct ControllerUsage: Sendable, Equatable {
    public var version: String
    public var runs: Int
    /// Runs with a score (feedback counts where it was given).
    public var scoredRuns: Int
    public var meanScore: Double?
    public var meanCostUSD: Double
    /// Mean score − λ × mean cost over the scored runs.
    public var meanUtility: Double?
    public var firstRunAt: Date?
    public var lastRunAt: Date?
}

extension TraceStore {
    /// Per controller version, what the finished runs it planned for a catalogue (nil: every catalogue) did
    /// (replays left out), the versions that planned most recently first; utility at λ = `costWeight`.
    public func controllerUsage(catalogHash: String?, costWeight: Double) async throws -> [ControllerUsage] {
        let filter = Self.ofCatalogue(catalogHash, column: "r.\"catalogHash\"")
        let rows = try await rows(
            TraceQuery(
                """
                SELECT r."controllerVersion" AS "version", COUNT(*) AS "runs", COUNT(COALESCE(f."score", r."score")) AS "scored",
                       AVG(COALESCE(f."score", r."score")) AS "meanScore", AVG(r."costUSD") AS "meanCost",
                       AVG(CASE WHEN COALESCE(f."score", r."score") IS NULL THEN NULL ELSE r."costUSD" END) AS "scoredCost",
                       MIN(r."startedAt") AS "first", MAX(r."startedAt") AS "last"
                FROM "runs" AS r
                LEFT JOIN (SELECT "runID", "score" FROM "feedback" AS g
                           WHERE "id" = (SELECT MAX("id") FROM "feedback" WHERE "runID" = g."runID")) AS f ON f."runID" = r."id"
                """
            ) + filter
                + TraceQuery(
                    """
                    \(catalogHash == nil ? " WHERE" : " AND") r."topology" IS NOT NULL AND r."replayOf" IS NULL AND r."status" IN ('completed', 'stopped')
                    GROUP BY r."controllerVersion" ORDER BY MAX(r."startedAt") DESC
                    """
                )
        )
        return rows.map { row in
            let meanScore = row["meanScore"] as Double?
            let scoredCost = row["scoredCost"] as Double? ?? 0
            return ControllerUsage(
                version: row["version"],
                runs: Int(row["runs"] as Int64? ?? 0),
                scoredRuns: Int(row["scored"] as Int64? ?? 0),
                meanScore: meanScore,
                meanCostUSD: row["meanCost"] as Double? ?? 0,
                meanUtility: meanScore.map { Utility.of(score: $0, costUSD: scoredCost, costWeight: costWeight) },
                firstRunAt: row["first"] as Date?,
                lastRunAt: row["last"] as Date?
            )
        }
    }
}

/// A controller version that cannot be used as asked.
public struct ControllerVersionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var version: String
    public var problem: String

    public var description: String { "controller \(version) \(problem)" }
}
