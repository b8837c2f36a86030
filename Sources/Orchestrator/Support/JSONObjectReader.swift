import Foundation

/// Reads the fields of one JSON object strictly: every field must be known, of the right type and in range.
///
/// Each accessor throws a `FieldError` naming the full dotted path of the field and what was expected.
struct JSONObjectReader {
    let fields: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String = "", allowed: Set<String>) throws(FieldError) {
        guard case .object(let fields) = value else {
            throw FieldError(field: path.isEmpty ? "(top level)" : path, problem: "expected an object, got \(value.typeName)")
        }
        self.fields = fields
        self.path = path
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            let known = allowed.sorted().joined(separator: ", ")
            throw FieldError(field: qualified(unknown), problem: "unknown field; expected one of: \(known)")
        }
    }

    func qualified(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func has(_ key: String) -> Bool {
        if let value = fields[key], value != .null { return true }
        return false
    }

    func string(_ key: String, nonEmpty: Bool = true) throws(FieldError) -> String? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .string(let text) = value else {
            throw FieldError(field: qualified(key), problem: "expected a string, got \(value.typeName)")
        }
        if nonEmpty && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw FieldError(field: qualified(key), problem: "expected a non-empty string")
        }
        return text
    }

    func requiredString(_ key: String) throws(FieldError) -> String {
        guard let text = try string(key) else {
            throw FieldError(field: qualified(key), problem: "missing; expected a non-empty string")
        }
        return text
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(FieldError) -> Double? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .number(let number) = value else {
            throw FieldError(
                field: qualified(key),
                problem:
                    "expected a number from \(JSONValue.number(range.lowerBound).preview) to \(JSONValue.number(range.upperBound).preview), got \(value.typeName)"
            )
        }
        guard range.contains(number) else {
            throw FieldError(
                field: qualified(key),
                problem:
                    "expected a number from \(JSONValue.number(range.lowerBound).preview) to \(JSONValue.number(range.upperBound).preview), got \(value.preview)"
            )
        }
        return number
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(FieldError) -> Int? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
            throw FieldError(
                field: qualified(key),
                problem: "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value.preview)"
            )
        }
        guard range.contains(Int(number)) else {
            throw FieldError(
                field: qualified(key),
                problem: "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value.preview)"
            )
        }
        return Int(number)
    }

    func bool(_ key: String) throws(FieldError) -> Bool? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .bool(let flag) = value else {
            throw FieldError(field: qualified(key), problem: "expected true or false, got \(value.typeName)")
        }
        return flag
    }

    func strings(_ key: String) throws(FieldError) -> [String]? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .array(let items) = value else {
            throw FieldError(field: qualified(key), problem: "expected an array of strings, got \(value.typeName)")
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, !text.isEmpty else {
                throw FieldError(field: "\(qualified(key))[\(index)]", problem: "expected a non-empty string, got \(item.preview)")
            }
            result.append(text)
        }
        return result
    }

    func object(_ key: String, allowed: Set<String>) throws(FieldError) -> JSONObjectReader? {
        guard let value = fields[key], value != .null else { return nil }
        return try JSONObjectReader(value, path: qualified(key), allowed: allowed)
    }

    func array(_ key: String) throws(FieldError) -> [JSONValue]? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .array(let items) = value else {
            throw FieldError(field: qualified(key), problem: "expected an array, got \(value.typeName)")
        }
        return items
    }

    func oneOf<Choice: RawRepresentable & CaseIterable>(_ key: String, as type: Choice.Type) throws(FieldError) -> Choice?
    where Choice.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: qualified(key), problem: "expected one of \(names), got \"\(text)\"")
        }
        return choice
    }
}
