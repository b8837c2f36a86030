import ArgumentParser
import CommandLineSupport
import Foundation
import Orchestrator

extension Orchestrate {
    struct Feedback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a stored run after it ran: a score from 0 to 1 and an optional note.",
            discussion: """
                The run is named by its id or a short one (as `traces list` shows). A run may be scored again; its \
                latest feedback counts for training (`train --from-traces`) as an expected answer's score would.
                """
        )

        @Argument(help: "The run: its id, or the start or end of it (at least 4 characters).")
        var run: String

        @Argument(help: "The score, from 0 (wrong, useless) to 1 (right, what was wanted).")
        var score: Double

        @Option(name: .long, help: "A note kept with the score (at most \(FeedbackRecord.longestNote) characters).")
        var note: String?

        @Option(name: .long, help: TraceDatabaseDefault.help)
        var db: String = TraceDatabaseDefault.path

        func run() async throws {
            let store = try await openTraceStore(db)
            do {
                let feedback = try await store.recordFeedback(on: run, score: score, note: note, source: "cli")
                print("run \(feedback.runID): feedback \(feedback.score)\(feedback.note.map { " (\($0))" } ?? "") recorded")
            } catch let error as RunLookupError {
                printError("error: \(store.name): \(error)")
                throw ExitCode(2)
            } catch let error as FeedbackError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
