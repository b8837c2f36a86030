/// A recorded-outcomes dataset that cannot be read, naming the file and what was wrong.
public struct RecordingError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
