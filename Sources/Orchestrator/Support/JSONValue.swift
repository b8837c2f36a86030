/// A parsed JSON value, used to validate files strictly (unknown fields, exact types) before decoding.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A short rendering of the value, for error messages.
    public var preview: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value):
            let clipped = value.count > 40 ? String(value.prefix(40)) + "…" : value
            return "\"\(clipped)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue {
    /// Parses JSON text strictly (RFC 8259: no trailing commas, comments or duplicate keys).
    /// On a syntax error, throws `JSONSyntaxError` with the 1-based line of the fault.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try document(text).value
    }

    /// Parses JSON text strictly and also returns the line of every key, by dotted path.
    static func document(_ text: String) throws(JSONSyntaxError) -> JSONParser.Document {
        var parser = JSONParser(text)
        return try parser.parseDocument()
    }
}

/// Invalid JSON, with the line where the parser gave up.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    /// The 1-based line of the fault within the parsed text.
    public var line: Int
    /// What the parser expected and found.
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}
