import Foundation
import Hummingbird
import Orchestrator

extension TraceViewer {
    /// Which page the navigation marks as current.
    struct Navigation {
        var runs = false
        var statistics = false
        var evaluation = false
        var controllers = false
    }

    /// The `traces` filters a page was asked for, as the form shows them.
    struct Filters {
        struct Choice {
            var value: String
            var selected: Bool
        }

        var statuses: [Choice]
        var topology: String
        var model: String
        var role: String
        var task: String
        var since: String
        var until: String
        var minScore: String
        var maxScore: String
        var limit: String
        /// What the query got wrong, shown above the table; empty when nothing.
        var problem: String
        /// Whether there is a problem (Mustache reads stored properties only).
        var hasProblem: Bool

        /// The filter of a query (`status`, `topology`, `model`, `role`, `task`, `since`, `until`, `min-score`,
        /// `max-score`, `limit`: the `traces` filters), and the form showing it.
        static func read(_ query: Parameters, defaultLimit: Int?) -> (RunFilter, Filters) {
            var filter = RunFilter(limit: defaultLimit)
            var problems: [String] = []
            let status = query.get("status") ?? ""
            if !status.isEmpty {
                if let parsed = RunStatus(rawValue: status) { filter.status = parsed } else { problems.append("status: no such status '\(status)'") }
            }
            let text = { (name: String) in (query.get(name) ?? "").trimmingCharacters(in: .whitespaces) }
            filter.topology = text("topology").isEmpty ? nil : text("topology")
            filter.model = text("model").isEmpty ? nil : text("model")
            filter.role = text("role").isEmpty ? nil : text("role")
            filter.taskID = text("task").isEmpty ? nil : text("task")
            for (name, keyPath) in [("since", \RunFilter.since), ("until", \RunFilter.until)] where !text(name).isEmpty {
                if let moment = RunFilter.moment(text(name)) {
                    filter[keyPath: keyPath] = moment
                } else {
                    problems.append("\(name): \(RunFilter.momentSyntax), got '\(text(name))'")
                }
            }
            for (name, keyPath) in [("min-score", \RunFilter.minScore), ("max-score", \RunFilter.maxScore)] where !text(name).isEmpty {
                if let score = Double(text(name)) {
                    filter[keyPath: keyPath] = score
                } else {
                    problems.append("\(name): expected a number, got '\(text(name))'")
                }
            }
            let limit = text("limit")
            if !limit.isEmpty {
                if let value = Int(limit), (1...10_000).contains(value) {
                    filter.limit = value
                } else {
                    problems.append("limit: expected 1 to 10000, got '\(limit)'")
                }
            }
            let form = Filters(
                statuses: [Choice(value: "", selected: status.isEmpty)]
                    + RunStatus.allCases.map { Choice(value: $0.rawValue, selected: $0.rawValue == status) },
                topology: text("topology"),
                model: text("model"),
                role: text("role"),
                task: text("task"),
                since: text("since"),
                until: text("until"),
                minScore: text("min-score"),
                maxScore: text("max-score"),
                limit: filter.limit.map(String.init) ?? "",
                problem: problems.joined(separator: "; "),
                hasProblem: !problems.isEmpty
            )
            return (filter, form)
        }
    }

    struct RunsPage {
        var title = "Runs"
        var navigation = Navigation(runs: true)
        var store: String
        var filters: Filters
        var runs: [RunRow]
        var none: Bool
    }

    /// One run as a line of the runs table.
    struct RunRow {
        var id: String
        var short: String
        var started: String
        var task: String
        var status: String
        var topology: String
        var agents: String
        var answer: String
        var score: String
        var cost: String
        var tokens: String
        var wall: String

        init(_ run: RunRecord) {
            id = run.id
            short = TraceIDs.short(run.id)
            started = TraceCells.moment(run.startedAt)
            task = run.taskID
            status = run.status.rawValue
            topology = run.topology ?? "—"
            agents = run.agentCount.map(String.init) ?? "—"
            answer = run.answer.map { String($0.prefix(60)) } ?? "—"
            score = TraceCells.score(run.score)
            cost = TraceCells.cost(run.costUSD)
            tokens = String(run.promptTokens + run.completionTokens)
            wall = TraceCells.wallSeconds(run)
        }
    }

    func runsPage(_ query: Parameters) async throws -> RunsPage {
        let (filter, form) = Filters.read(query, defaultLimit: 50)
        let runs = form.problem.isEmpty ? try await store.runs(matching: filter) : []
        return RunsPage(store: store.name, filters: form, runs: runs.map(RunRow.init), none: runs.isEmpty)
    }

    struct StatisticsPage {
        struct Table {
            var grouping: String
            var perCall: Bool
            var rows: [Line]
        }

        struct Line {
            var key: String
            var runs: Int
            var calls: String
            var accuracy: String
            var cost: String
            var tokensIn: Int
            var tokensOut: Int
            var p50: String
            var p90: String
            var p99: String
            var failures: Int
            var quarantined: Int
        }

        var title = "Statistics"
        var navigation = Navigation(statistics: true)
        var store: String
        var filters: Filters
        var tables: [Table]
    }

    func statisticsPage(_ query: Parameters) async throws -> StatisticsPage {
        let (filter, form) = Filters.read(query, defaultLimit: nil)
        var tables: [StatisticsPage.Table] = []
        if form.problem.isEmpty {
            for grouping in TraceStatistics.Grouping.allCases {
                let statistics = try await store.statistics(by: grouping, filter: filter)
                tables.append(
                    StatisticsPage.Table(
                        grouping: grouping.rawValue,
                        perCall: grouping != .topology,
                        rows: statistics.rows.map { row in
                            StatisticsPage.Line(
                                key: row.key,
                                runs: row.runs,
                                calls: row.calls.map(String.init) ?? "",
                                accuracy: TraceCells.accuracy(row),
                                cost: TraceCells.cost(row.costUSD),
                                tokensIn: row.promptTokens,
                                tokensOut: row.completionTokens,
                                p50: TraceCells.milliseconds(row.latencyP50),
                                p90: TraceCells.milliseconds(row.latencyP90),
                                p99: TraceCells.milliseconds(row.latencyP99),
                                failures: row.failures,
                                quarantined: row.quarantined
                            )
                        }
                    )
                )
            }
        }
        return StatisticsPage(store: store.name, filters: form, tables: tables)
    }
}
