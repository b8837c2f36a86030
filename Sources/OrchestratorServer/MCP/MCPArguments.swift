import Foundation
import MCP

/// The arguments of one MCP tool call, read with bounds: every argument has a type and a range, unknown ones are
/// refused, and each error names the tool, the argument and what was expected.
struct MCPArguments: Sendable {
    let tool: String
    let values: [String: Value]

    /// The longest text an argument may carry (a query with its context).
    static let longestText = 200_000

    init(_ arguments: [String: Value]?, tool: String, allowed: Set<String>) throws(MCPArgumentError) {
        self.tool = tool
        values = arguments ?? [:]
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw MCPArgumentError(
                tool: tool,
                argument: unknown,
                problem: "unknown argument; expected one of \(allowed.sorted().joined(separator: ", "))"
            )
        }
    }

    func string(_ name: String, longest: Int = longestText) throws(MCPArgumentError) -> String? {
        guard let value = present(name) else { return nil }
        guard case .string(let text) = value else { throw error(name, "expected a string, got \(Self.describe(value))") }
        guard text.count <= longest else { throw error(name, "expected at most \(longest) characters, got \(text.count)") }
        return text
    }

    func requiredString(_ name: String, longest: Int = longestText) throws(MCPArgumentError) -> String {
        guard let text = try string(name, longest: longest), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw error(name, "required: a non-empty string")
        }
        return text
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(MCPArgumentError) -> Int? {
        guard let value = present(name) else { return nil }
        let number: Int
        switch value {
        case .int(let whole): number = whole
        case .double(let real) where real.rounded() == real && abs(real) < 9e15: number = Int(real)
        default: throw error(name, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(Self.describe(value))")
        }
        guard range.contains(number) else {
            throw error(name, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(number)")
        }
        return number
    }

    func number(_ name: String, in range: ClosedRange<Double>) throws(MCPArgumentError) -> Double? {
        guard let value = present(name) else { return nil }
        let number: Double
        switch value {
        case .int(let whole): number = Double(whole)
        case .double(let real): number = real
        default: throw error(name, "expected a number from \(range.lowerBound) to \(range.upperBound), got \(Self.describe(value))")
        }
        guard number.isFinite, range.contains(number) else {
            throw error(name, "expected a number from \(range.lowerBound) to \(range.upperBound), got \(number)")
        }
        return number
    }

    func oneOf<Choice: RawRepresentable & CaseIterable>(_ name: String, as type: Choice.Type) throws(MCPArgumentError) -> Choice?
    where Choice.RawValue == String {
        guard let text = try string(name, longest: 100) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            throw error(name, "expected one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return choice
    }

    /// The argument's value; nil when absent or JSON null.
    private func present(_ name: String) -> Value? {
        guard let value = values[name], value != .null else { return nil }
        return value
    }

    private func error(_ name: String, _ problem: String) -> MCPArgumentError {
        MCPArgumentError(tool: tool, argument: name, problem: problem)
    }

    /// A value's kind in an error message (never the value itself, which may be long).
    static func describe(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .data: "data"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A tool call whose arguments cannot be used: which tool, which argument, what was expected.
struct MCPArgumentError: Error, Sendable, CustomStringConvertible {
    var tool: String
    var argument: String
    var problem: String

    var description: String { "\(tool): argument '\(argument)': \(problem)" }
}
