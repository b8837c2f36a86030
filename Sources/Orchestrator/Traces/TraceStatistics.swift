import Foundation
import GRDB

/// Aggregates over stored runs, grouped by topology, model or role.
public struct TraceStatistics: Sendable, Codable, Equatable {
    /// What the rows are grouped by.
    public enum Grouping: String, Sendable, Codable, CaseIterable {
        /// Per run: latency is the run's wall time, failures are failed runs.
        case topology
        /// Per model call (and the runs with an agent on the model): latency is the call's, failures failed calls.
        case model
        /// Per model call of agents in the role, as for `model`.
        case role
    }

    /// One group.
    public struct Row: Sendable, Codable, Equatable {
        public var key: String
        public var runs: Int
        /// Model calls (nil when grouped by topology, where rows count runs).
        public var calls: Int?
        /// Runs with a score, and their mean score.
        public var scored: Int
        public var accuracy: Double?
        public var costUSD: Double
        public var promptTokens: Int
        public var completionTokens: Int
        /// Latency percentiles in milliseconds (runs for topology, calls otherwise).
        public var latencyP50: Double?
        public var latencyP90: Double?
        public var latencyP99: Double?
        /// Failed runs (topology) or failed calls (model, role).
        public var failures: Int
        /// Agents quarantined.
        public var quarantined: Int
    }

    public var grouping: Grouping
    public var rows: [Row]

    /// The value at quantile `q` of sorted values (nearest rank).
    static func quantile(_ q: Double, of sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }
}

extension TraceStatistics.Row {
    /// An empty row of a per-call grouping (model or role), filled in as the queries come back.
    init(callsOf key: String) {
        self.init(
            key: key,
            runs: 0,
            calls: 0,
            scored: 0,
            accuracy: nil,
            costUSD: 0,
            promptTokens: 0,
            completionTokens: 0,
            failures: 0,
            quarantined: 0
        )
    }
}

extension TraceStore {
    /// Runs, accuracy, cost, tokens, latency percentiles, failures and quarantines of the runs a filter
    /// matches, grouped; rows sorted by runs, most first.
    public func statistics(by grouping: TraceStatistics.Grouping, filter: RunFilter = RunFilter()) async throws -> TraceStatistics {
        let condition = filter.condition(table: "r")
        let whereMatched = TraceQuery(" WHERE ") + condition
        var rows: [String: TraceStatistics.Row] = [:]
        var latencies: [String: [Double]] = [:]
        switch grouping {
        case .topology:
            let key = "COALESCE(r.\"topology\", '(no plan)')"
            let sums = try await self.rows(
                TraceQuery(
                    """
                    SELECT \(key) AS "key", COUNT(*) AS "runs", COUNT(r."score") AS "scored", AVG(r."score") AS "accuracy",
                           \(Self.total("r.\"costUSD\"")) AS "cost", \(Self.total("r.\"promptTokens\"")) AS "prompt",
                           \(Self.total("r.\"completionTokens\"")) AS "completion",
                           \(Self.count("r.\"status\" = 'failed'")) AS "failures", \(Self.total("r.\"quarantinedAgents\"")) AS "quarantined"
                    FROM "runs" AS r
                    """
                ) + whereMatched + TraceQuery(" GROUP BY \(key)")
            )
            for sum in sums {
                let key: String = sum["key"]
                rows[key] = TraceStatistics.Row(
                    key: key,
                    runs: sum["runs"],
                    calls: nil,
                    scored: sum["scored"],
                    accuracy: sum["accuracy"],
                    costUSD: sum["cost"],
                    promptTokens: Int(sum["prompt"] as Double),
                    completionTokens: Int(sum["completion"] as Double),
                    failures: Int(sum["failures"] as Double),
                    quarantined: Int(sum["quarantined"] as Double)
                )
            }
            let timings = try await self.rows(
                TraceQuery("SELECT \(key) AS \"key\", r.\"latencyMilliseconds\" AS \"latency\" FROM \"runs\" AS r") + whereMatched
                    + TraceQuery(" AND r.\"latencyMilliseconds\" IS NOT NULL")
            )
            for row in timings { latencies[row["key"], default: []].append(row["latency"]) }
        case .model, .role:
            let column = "\"\(grouping.rawValue)\""
            let calls = try await self.rows(
                TraceQuery(
                    """
                    SELECT m.\(column) AS "key", COUNT(*) AS "calls", \(Self.total("m.\"costUSD\"")) AS "cost",
                           \(Self.total("m.\"promptTokens\"")) AS "prompt", \(Self.total("m.\"completionTokens\"")) AS "completion",
                           \(Self.count("m.\"error\" IS NOT NULL")) AS "failures"
                    FROM "messages" AS m JOIN "runs" AS r ON r."id" = m."runID"
                    """
                ) + whereMatched + TraceQuery(" GROUP BY m.\(column)")
            )
            let outcomes = try await self.rows(
                TraceQuery(
                    """
                    SELECT "key", COUNT(*) AS "runs", COUNT("score") AS "scored", AVG("score") AS "accuracy" FROM (
                        SELECT DISTINCT a.\(column) AS "key", r."id", r."score" FROM "agents" AS a JOIN "runs" AS r ON r."id" = a."runID"
                    """
                ) + whereMatched + TraceQuery(") AS outcomes GROUP BY \"key\"")
            )
            let quarantines = try await self.rows(
                TraceQuery(
                    "SELECT a.\(column) AS \"key\", COUNT(*) AS \"quarantined\" FROM \"agents\" AS a JOIN \"runs\" AS r ON r.\"id\" = a.\"runID\""
                ) + whereMatched + TraceQuery(" AND a.\"quarantinedAtStep\" IS NOT NULL GROUP BY a.\(column)")
            )
            for outcome in outcomes {
                let key: String = outcome["key"]
                var row = TraceStatistics.Row(callsOf: key)
                row.runs = outcome["runs"]
                row.scored = outcome["scored"]
                row.accuracy = outcome["accuracy"]
                rows[key] = row
            }
            for call in calls {
                let key: String = call["key"]
                var row = rows[key] ?? TraceStatistics.Row(callsOf: key)
                row.calls = call["calls"]
                row.costUSD = call["cost"]
                row.promptTokens = Int(call["prompt"] as Double)
                row.completionTokens = Int(call["completion"] as Double)
                row.failures = Int(call["failures"] as Double)
                rows[key] = row
            }
            for quarantine in quarantines {
                rows[quarantine["key"]]?.quarantined = quarantine["quarantined"]
            }
            let timings = try await self.rows(
                TraceQuery(
                    "SELECT m.\(column) AS \"key\", m.\"latencyMilliseconds\" AS \"latency\" FROM \"messages\" AS m JOIN \"runs\" AS r ON r.\"id\" = m.\"runID\""
                ) + whereMatched
            )
            for row in timings { latencies[row["key"], default: []].append(row["latency"]) }
        }
        for (key, values) in latencies {
            let sorted = values.sorted()
            rows[key]?.latencyP50 = TraceStatistics.quantile(0.5, of: sorted)
            rows[key]?.latencyP90 = TraceStatistics.quantile(0.9, of: sorted)
            rows[key]?.latencyP99 = TraceStatistics.quantile(0.99, of: sorted)
        }
        let sorted = rows.values.sorted { ($0.runs, $0.calls ?? 0, $1.key) > ($1.runs, $1.calls ?? 0, $0.key) }
        return TraceStatistics(grouping: grouping, rows: sorted)
    }

    /// The sum of an expression over a group, 0.0 for none (SQLite's `TOTAL`, in SQL both engines read).
    private static func total(_ expression: String) -> String {
        "COALESCE(SUM(\(expression)), 0.0)"
    }

    /// How many rows of a group meet a condition, as a sum.
    private static func count(_ condition: String) -> String {
        total("CASE WHEN \(condition) THEN 1 ELSE 0 END")
    }
}
