import Foundation

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

    /// The condition on the `runs` table (qualified by `table`), in the SQL both engines read; `TRUE` for no
    /// condition. With a limit, only the newest `limit` runs matching the rest pass (the later id first on a tie).
    func condition(table: String = "runs") -> TraceQuery {
        let column = { (name: String) in "\(table).\"\(name)\"" }
        if let limit {
            var unlimited = self
            unlimited.limit = nil
            let inner = unlimited.condition(table: "inner_runs")
            return TraceQuery("\(column("id")) IN (SELECT inner_runs.\"id\" FROM \"runs\" AS inner_runs WHERE ")
                + inner + TraceQuery(" ORDER BY inner_runs.\"startedAt\" DESC, inner_runs.\"id\" DESC LIMIT ?)", [.integer(Int64(limit))])
        }
        var parts: [TraceQuery] = []
        if let status { parts.append(TraceQuery("\(column("status")) = ?", [.text(status.rawValue)])) }
        if let topology { parts.append(TraceQuery("\(column("topology")) = ?", [.text(topology)])) }
        if let taskID { parts.append(TraceQuery("\(column("taskID")) = ?", [.text(taskID)])) }
        if let since { parts.append(TraceQuery("\(column("startedAt")) >= ?", [.moment(since)])) }
        if let until { parts.append(TraceQuery("\(column("startedAt")) < ?", [.moment(until)])) }
        if let minScore { parts.append(TraceQuery("\(column("score")) >= ?", [.double(minScore)])) }
        if let maxScore { parts.append(TraceQuery("\(column("score")) <= ?", [.double(maxScore)])) }
        if let model { parts.append(TraceQuery("\(column("id")) IN (SELECT \"runID\" FROM \"agents\" WHERE \"model\" = ?)", [.text(model)])) }
        if let role { parts.append(TraceQuery("\(column("id")) IN (SELECT \"runID\" FROM \"agents\" WHERE \"role\" = ?)", [.text(role)])) }
        return parts.isEmpty ? TraceQuery("TRUE") : TraceQuery.joined(parts, separator: " AND ")
    }
}

extension RunFilter {
    /// What `moment` reads, for messages about text it could not.
    public static let momentSyntax = "expected a date (2026-11-22), a date-time (2026-11-22T10:00:00Z) or an age (30m, 6h, 7d)"

    /// A moment as `--since` and `--until` take it: a date (`2026-11-22`, taken as UTC midnight), an ISO 8601
    /// date-time, or an age before `now` (`30s`, `30m`, `6h`, `7d`, `2w`); nil for anything else.
    public static func moment(_ text: String, now: Date = Date()) -> Date? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        if let unit = text.last, let seconds = units[unit], let amount = Double(text.dropLast()), amount >= 0 {
            return now.addingTimeInterval(-amount * seconds)
        }
        let formatter = ISO8601DateFormatter()
        for options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate]] as [ISO8601DateFormatter.Options] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
