import Foundation
import GRDB

/// Which stored runs a query looks at. Every field left nil matches everything.
public struct RunFilter: Sendable, Equatable {
    public var status: RunStatus?
    public var topology: String?
    /// Runs with an agent planned on this model.
    public var model: String?
    /// Runs with an agent in this role.
    public var role: String?
    public var taskID: String?
    /// Runs started at or after this moment.
    public var since: Date?
    /// Runs started before this moment.
    public var until: Date?
    /// Runs scored at least this (unscored runs never match a score bound).
    public var minScore: Double?
    /// Runs scored at most this.
    public var maxScore: Double?
    /// At most this many runs, the newest.
    public var limit: Int?

    public init(
        status: RunStatus? = nil,
        topology: String? = nil,
        model: String? = nil,
        role: String? = nil,
        taskID: String? = nil,
        since: Date? = nil,
        until: Date? = nil,
        minScore: Double? = nil,
        maxScore: Double? = nil,
        limit: Int? = nil
    ) {
        self.status = status
        self.topology = topology
        self.model = model
        self.role = role
        self.taskID = taskID
        self.since = since
        self.until = until
        self.minScore = minScore
        self.maxScore = maxScore
        self.limit = limit
    }

    /// The condition on the `runs` table (qualified by `table`), as SQL with its arguments; `1` for no condition.
    /// With a limit, only the newest `limit` runs matching the rest pass.
    func condition(table: String = "runs") -> SQL {
        var parts: [SQL] = []
        let column = { (name: String) in SQL(sql: "\(table).\(name)") }
        if let status { parts.append("\(column("status")) = \(status.rawValue)") }
        if let topology { parts.append("\(column("topology")) = \(topology)") }
        if let taskID { parts.append("\(column("taskID")) = \(taskID)") }
        if let since { parts.append("\(column("startedAt")) >= \(since)") }
        if let until { parts.append("\(column("startedAt")) < \(until)") }
        if let minScore { parts.append("\(column("score")) >= \(minScore)") }
        if let maxScore { parts.append("\(column("score")) <= \(maxScore)") }
        if let model { parts.append("\(column("id")) IN (SELECT runID FROM agents WHERE model = \(model))") }
        if let role { parts.append("\(column("id")) IN (SELECT runID FROM agents WHERE role = \(role))") }
        var condition = parts.isEmpty ? SQL(sql: "1") : parts.joined(separator: " AND ")
        if let limit {
            var unlimited = self
            unlimited.limit = nil
            condition =
                "\(column("id")) IN (SELECT inner_runs.id FROM runs AS inner_runs WHERE \(unlimited.condition(table: "inner_runs")) ORDER BY inner_runs.startedAt DESC LIMIT \(limit))"
        }
        return condition
    }
}

extension RunFilter {
    /// The same condition for PostgreSQL: quoted names, values appended to `values` and named by position (`$n`).
    func postgresCondition(table: String = "runs", values: inout [PostgresBindable]) -> String {
        func bind(_ value: PostgresBindable, cast: String = "") -> String {
            values.append(value)
            return "$\(values.count)\(cast)"
        }
        let column = { (name: String) in "\(table).\"\(name)\"" }
        var parts: [String] = []
        if let status { parts.append("\(column("status")) = \(bind(.text(status.rawValue)))") }
        if let topology { parts.append("\(column("topology")) = \(bind(.text(topology)))") }
        if let taskID { parts.append("\(column("taskID")) = \(bind(.text(taskID)))") }
        if let since { parts.append("\(column("startedAt")) >= \(bind(.text(DatabaseTimestamp.text(since)), cast: "::timestamp"))") }
        if let until { parts.append("\(column("startedAt")) < \(bind(.text(DatabaseTimestamp.text(until)), cast: "::timestamp"))") }
        if let minScore { parts.append("\(column("score")) >= \(bind(.double(minScore)))") }
        if let maxScore { parts.append("\(column("score")) <= \(bind(.double(maxScore)))") }
        if let model { parts.append("\(column("id")) IN (SELECT \"runID\" FROM \"agents\" WHERE \"model\" = \(bind(.text(model))))") }
        if let role { parts.append("\(column("id")) IN (SELECT \"runID\" FROM \"agents\" WHERE \"role\" = \(bind(.text(role))))") }
        let condition = parts.isEmpty ? "TRUE" : parts.joined(separator: " AND ")
        guard let limit else { return condition }
        var unlimited = self
        unlimited.limit = nil
        let inner = unlimited.postgresCondition(table: "inner_runs", values: &values)
        return
            "\(column("id")) IN (SELECT inner_runs.\"id\" FROM \"runs\" AS inner_runs WHERE \(inner) ORDER BY inner_runs.\"startedAt\" DESC LIMIT \(bind(.integer(Int64(limit)))))"
    }
}
