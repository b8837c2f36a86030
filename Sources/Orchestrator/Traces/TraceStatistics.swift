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
        let rows: [TraceStatistics.Row] = try await writer.read { db in
            var rows: [String: TraceStatistics.Row] = [:]
            var latencies: [String: [Double]] = [:]
            switch grouping {
            case .topology:
                let key = SQL(sql: "COALESCE(r.topology, '(no plan)')")
                let sums = try fetchRows(
                    db,
                    SQL(
                        """
                        SELECT \(key) AS key, COUNT(*) AS runs, COUNT(r.score) AS scored, AVG(r.score) AS accuracy,
                               TOTAL(r.costUSD) AS cost, TOTAL(r.promptTokens) AS prompt, TOTAL(r.completionTokens) AS completion,
                               TOTAL(r.status = 'failed') AS failures, TOTAL(r.quarantinedAgents) AS quarantined
                        FROM runs AS r WHERE \(condition) GROUP BY key
                        """
                    )
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
                let cursor = try fetchRowCursor(
                    db,
                    SQL(
                        "SELECT \(key) AS key, r.latencyMilliseconds AS latency FROM runs AS r WHERE \(condition) AND r.latencyMilliseconds IS NOT NULL"
                    )
                )
                while let row = try cursor.next() { latencies[row["key"], default: []].append(row["latency"]) }
            case .model, .role:
                let column = SQL(sql: grouping.rawValue)
                let calls = try fetchRows(
                    db,
                    SQL(
                        """
                        SELECT m.\(column) AS key, COUNT(*) AS calls, TOTAL(m.costUSD) AS cost, TOTAL(m.promptTokens) AS prompt,
                               TOTAL(m.completionTokens) AS completion, TOTAL(m.error IS NOT NULL) AS failures
                        FROM messages AS m JOIN runs AS r ON r.id = m.runID WHERE \(condition) GROUP BY key
                        """
                    )
                )
                let outcomes = try fetchRows(
                    db,
                    SQL(
                        """
                        SELECT key, COUNT(*) AS runs, COUNT(score) AS scored, AVG(score) AS accuracy FROM (
                            SELECT DISTINCT a.\(column) AS key, r.id, r.score FROM agents AS a JOIN runs AS r ON r.id = a.runID WHERE \(condition)
                        ) GROUP BY key
                        """
                    )
                )
                let quarantines = try fetchRows(
                    db,
                    SQL(
                        """
                        SELECT a.\(column) AS key, COUNT(*) AS quarantined FROM agents AS a JOIN runs AS r ON r.id = a.runID
                        WHERE \(condition) AND a.quarantinedAtStep IS NOT NULL GROUP BY key
                        """
                    )
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
                let cursor = try fetchRowCursor(
                    db,
                    SQL(
                        "SELECT m.\(column) AS key, m.latencyMilliseconds AS latency FROM messages AS m JOIN runs AS r ON r.id = m.runID WHERE \(condition)"
                    )
                )
                while let row = try cursor.next() { latencies[row["key"], default: []].append(row["latency"]) }
            }
            for (key, values) in latencies {
                let sorted = values.sorted()
                rows[key]?.latencyP50 = TraceStatistics.quantile(0.5, of: sorted)
                rows[key]?.latencyP90 = TraceStatistics.quantile(0.9, of: sorted)
                rows[key]?.latencyP99 = TraceStatistics.quantile(0.99, of: sorted)
            }
            return rows.values.sorted { ($0.runs, $0.calls ?? 0, $1.key) > ($1.runs, $1.calls ?? 0, $0.key) }
        }
        return TraceStatistics(grouping: grouping, rows: rows)
    }
}
