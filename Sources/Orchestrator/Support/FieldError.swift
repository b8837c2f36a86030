/// A problem with one field of an input file: the building block of every file-validation error.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted path of the field, for example `budget.maxAgents`.
    public var field: String
    /// What was expected, and what was found.
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// `field: problem`, as a command prints it.
    public var description: String { "\(field): \(problem)" }
}
