/// A catalogue file (fleet, roles, topologies) that cannot be used.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    /// The file at fault.
    public var file: String
    /// The line at fault, when known.
    public var line: Int?
    /// The field at fault, when one is.
    public var field: String?
    /// What was expected and what was found.
    public var problem: String

    public init(file: String, line: Int? = nil, field: String? = nil, problem: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        if let field {
            return "\(place): field '\(field)': \(problem)"
        }
        return "\(place): \(problem)"
    }
}
