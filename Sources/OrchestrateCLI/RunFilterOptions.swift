import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

/// The run filters `traces list`, `stats` and `export` share.
struct RunFilterOptions: ParsableArguments {
    @Option(name: .long, help: "Only runs with this status: running, completed, stopped, failed, interrupted.")
    var status: RunStatus?

    @Option(name: .long, help: "Only runs of this topology.")
    var topology: String?

    @Option(name: .long, help: "Only runs with an agent on this model.")
    var model: String?

    @Option(name: .long, help: "Only runs with an agent in this role.")
    var role: String?

    @Option(name: .long, help: "Only runs of this task id.")
    var task: String?

    @Option(name: .long, help: "Only runs started since: 2026-11-22, 2026-11-22T10:00:00Z, or an age such as 30m, 6h, 7d.")
    var since: String?

    @Option(name: .long, help: "Only runs started before: a date, date-time or age, as for --since.")
    var until: String?

    @Option(name: .long, help: "Only runs scored at least this.")
    var minScore: Double?

    @Option(name: .long, help: "Only runs scored at most this.")
    var maxScore: Double?

    func validate() throws {
        _ = try filter()
    }

    /// The filter, with dates read; a date it cannot read is a validation error naming the option.
    func filter(limit: Int? = nil, now: Date = Date()) throws -> RunFilter {
        RunFilter(
            status: status,
            topology: topology,
            model: model,
            role: role,
            taskID: task,
            since: try since.map { try Self.date($0, option: "--since", now: now) },
            until: try until.map { try Self.date($0, option: "--until", now: now) },
            minScore: minScore,
            maxScore: maxScore,
            limit: limit
        )
    }

    /// A date, date-time or age (`RunFilter.moment`), or a validation error naming the option.
    static func date(_ text: String, option: String, now: Date) throws -> Date {
        guard let date = RunFilter.moment(text, now: now) else {
            throw ValidationError("\(option): \(RunFilter.momentSyntax), got '\(text)'")
        }
        return date
    }
}

extension RunStatus: ExpressibleByArgument {}
