import Foundation
import GRDB

/// A row of `controllerVersions`: a controller the store knows, with its parameters (the controller file's JSON), so
/// that off-policy training can re-score the runs it planned and any replica can load it when it is promoted.
public struct ControllerVersionRecord: Sendable, Codable, Equatable, FetchableRecord {
    public static let databaseTableName = "controllerVersions"

    public var version: String
    /// The catalogue it plans for.
    public var catalogHash: String
    public var createdAt: Date
    /// The controller file, as JSON.
    public var parametersJSON: String
    /// Where it came from: `learned` (serve's learner) or `imported` (`orchestrate controller promote FILE`).
    public var origin: String
    /// The stored runs it was trained on.
    public var trainedOnRuns: Int
    /// The promotion guard's comparison with the controller live when it was trained (`PromotionEvidence`, JSON).
    public var evidenceJSON: String?
    /// What the guard said: `promoted`, `rejected`, `canary` (on trial), `superseded` (its trial ended when another
    /// candidate was promoted), or `imported` (no guard asked).
    public var verdict: String

    /// The evidence, read back.
    public func evidence() throws -> PromotionEvidence? {
        try evidenceJSON.map { try JSONDecoder().decode(PromotionEvidence.self, from: Data($0.utf8)) }
    }
}

/// A row of `controllerPromotions`: one change of the live controller of a catalogue. The latest row is live.
public struct ControllerPromotionRecord: Sendable, Codable, Equatable, FetchableRecord {
    public static let databaseTableName = "controllerPromotions"

    /// Why the live controller changed.
    public enum Reason: String, Sendable, Codable {
        /// The promotion guard found it better (`serve --learn`).
        case guarded
        /// `orchestrate controller promote`.
        case manual
        /// `orchestrate controller rollback`.
        case rollback
    }

    public var id: Int64
    public var version: String
    public var catalogHash: String
    public var promotedAt: Date
    public var reason: Reason
    /// The version live before it (the prior's when none was promoted).
    public var previousVersion: String?
    /// The guard's evidence, for a guarded promotion.
    public var evidenceJSON: String?
}
