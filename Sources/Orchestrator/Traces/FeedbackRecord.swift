import Foundation
import GRDB

/// A row of `feedback`: a score in [0, 1] given to a stored run after it ran (by an API client, the command line or
/// the library), with an optional note. A run keeps every feedback it gets; the latest counts for training, as an
/// expected answer's score would.
public struct FeedbackRecord: Sendable, Codable, Equatable, FetchableRecord {
    public static let databaseTableName = "feedback"

    public var id: Int64?
    public var runID: String
    public var score: Double
    public var note: String?
    public var givenAt: Date
    /// Who gave it: `api`, `cli` or `library`.
    public var source: String

    /// The longest note kept, in characters.
    public static let longestNote = 4_000

    /// Feedback for `runID`, checked: the score a finite number from 0 to 1, the note at most `longestNote`
    /// characters (an empty note is none).
    public init(runID: String, score: Double, note: String? = nil, source: String, givenAt: Date = Date()) throws {
        guard score.isFinite, (0...1).contains(score) else { throw FeedbackError(field: "score", problem: "a number from 0 to 1, got \(score)") }
        let note = note.flatMap { $0.isEmpty ? nil : $0 }
        if let note, note.count > Self.longestNote {
            throw FeedbackError(field: "note", problem: "at most \(Self.longestNote) characters, got \(note.count)")
        }
        self.runID = runID
        self.score = score
        self.note = note
        self.givenAt = DatabaseTimestamp.stored(givenAt)
        self.source = source
    }
}

/// Feedback that cannot be recorded as given: the field and what it should have been.
public struct FeedbackError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request's field (`score`, `note`).
    public var field: String
    /// What was expected, and what came.
    public var problem: String

    public var description: String { "feedback: \(field) must be \(problem)" }
}
