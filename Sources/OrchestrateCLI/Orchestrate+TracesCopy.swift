import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Traces {
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy stored runs from one trace database to another (created if missing), oldest first.",
            discussion: """
                Each run goes whole (decisions, agents, messages, deliveries, verdicts, escalations) in one \
                transaction of the destination, with fresh row ids. Runs the destination has already are skipped, so \
                an interrupted copy is finished by running it again; runs still running are left for a later copy. \
                The filters select which runs go, as for `traces list`.
                """
        )

        @Option(name: .long, help: "The trace database to copy from: a SQLite path or postgres://user@host:port/database.")
        var from: String

        @Option(name: .long, help: "The trace database to copy into (created if missing): a SQLite path or postgres://user@host:port/database.")
        var to: String

        @OptionGroup var filters: RunFilterOptions

        @Option(name: .long, help: "Only the newest N runs that match (a sample of a large store).")
        var limit: Int?

        func validate() throws {
            let same =
                from.hasPrefix("postgres") || to.hasPrefix("postgres")
                ? from == to : URL(fileURLWithPath: from).standardizedFileURL == URL(fileURLWithPath: to).standardizedFileURL
            guard !same else { throw ValidationError("--from and --to name the same database") }
        }

        func run() async throws {
            let source = try await openTraceStore(from, field: "--from", readOnly: true)
            let destination = try await openTraceStore(to, field: "--to", creating: true)
            let report = try await source.copyRuns(matching: try filters.filter(limit: limit), to: destination) { report, total in
                let done = report.copied + report.alreadyThere + report.stillRunning
                if done % 100 == 0 || done == total {
                    printError("copy: \(done) of \(total) runs looked at (\(report.copied) copied, \(report.alreadyThere) there already)")
                }
            }
            var line = "copied \(report.copied) run\(report.copied == 1 ? "" : "s") from \(source.name) to \(destination.name)"
            line += "; \(report.alreadyThere) there already"
            if report.stillRunning > 0 {
                line += "; \(report.stillRunning) still running, left for a later copy"
            }
            print(line)
        }
    }
}
