/// A task file that cannot be used: names the file, the line, the field and what was expected.
public struct TaskFileError: Error, Sendable, CustomStringConvertible {
    /// The file's path as given.
    public var file: String
    /// The 1-based line the problem applies to.
    public var line: Int
    /// The field at fault, or nil for problems with the file as a whole.
    public var field: String?
    /// What was expected and what was found.
    public var problem: String

    public init(file: String, line: Int, field: String?, problem: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
    }

    /// One line: `file:line: field 'x': problem`.
    public var description: String {
        if let field {
            return "\(file):\(line): field '\(field)': \(problem)"
        }
        return "\(file):\(line): \(problem)"
    }
}
