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

    /// The condition on the `runs` table (qualified by `table`), as SQL with its arguments for SQLite; `TRUE` for no
    /// condition. With a limit, only the newest `limit` runs matching the rest pass.
    func condition(table: String = "runs") -> SQL {
        var values: [DatabaseValue] = []
        let sql = rendered(table: table) { value, _ in
            values.append(value.databaseValue)
            return "?"
        }
        return SQL(sql: sql, arguments: StatementArguments(values))
    }

    /// The same condition for PostgreSQL: values appended to `values` and named by position (`$n`), moments cast.
    func postgresCondition(table: String = "runs", values: inout [PostgresBindable]) -> String {
        rendered(table: table) { value, isMoment in
            values.append(value)
            return "$\(values.count)\(isMoment ? "::timestamp" : "")"
        }
    }

    /// The condition in the SQL both engines read (quoted names), each value named by `bind` (told whether it is a
    /// moment, which PostgreSQL casts from the stored UTC text), in order.
    private func rendered(table: String, bind: (PostgresBindable, _ isMoment: Bool) -> String) -> String {
        let column = { (name: String) in "\(table).\"\(name)\"" }
        if let limit {
            var unlimited = self
            unlimited.limit = nil
            let inner = unlimited.rendered(table: "inner_runs", bind: bind)
            return
                "\(column("id")) IN (SELECT inner_runs.\"id\" FROM \"runs\" AS inner_runs WHERE \(inner) ORDER BY inner_runs.\"startedAt\" DESC LIMIT \(bind(.integer(Int64(limit)), false)))"
        }
        var parts: [String] = []
        if let status { parts.append("\(column("status")) = \(bind(.text(status.rawValue), false))") }
        if let topology { parts.append("\(column("topology")) = \(bind(.text(topology), false))") }
        if let taskID { parts.append("\(column("taskID")) = \(bind(.text(taskID), false))") }
        if let since { parts.append("\(column("startedAt")) >= \(bind(.text(DatabaseTimestamp.text(since)), true))") }
        if let until { parts.append("\(column("startedAt")) < \(bind(.text(DatabaseTimestamp.text(until)), true))") }
        if let minScore { parts.append("\(column("score")) >= \(bind(.double(minScore), false))") }
        if let maxScore { parts.append("\(column("score")) <= \(bind(.double(maxScore), false))") }
        if let model { parts.append("\(column("id")) IN (SELECT \"runID\" FROM \"agents\" WHERE \"model\" = \(bind(.text(model), false)))") }
        if let role { parts.append("\(column("id")) IN (SELECT \"runID\" FROM \"agents\" WHERE \"role\" = \(bind(.text(role), false)))") }
        return parts.isEmpty ? "TRUE" : parts.joined(separator: " AND ")
    }
}
