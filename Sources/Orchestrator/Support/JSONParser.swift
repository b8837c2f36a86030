/// A strict JSON parser that also remembers the line of every object key, so that an error about a
/// field can name the line it is on.
struct JSONParser {
    /// A parsed document: the value, and the line of each key by dotted path (`budget.maxAgents`, `roles[2]`).
    struct Document {
        var value: JSONValue
        var lines: [String: Int]

        /// The line of a field, else of its closest enclosing field, else 1.
        func line(of field: String) -> Int {
            var path = Substring(field)
            while !path.isEmpty {
                if let line = lines[String(path)] { return line }
                guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
                path = path[..<cut]
            }
            return 1
        }
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lines: [String: Int] = [:]
    private static let maximumDepth = 256

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> Document {
        skipWhitespace()
        let value = try parseValue(path: "", depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw fault("expected the end of the document, found \(found)")
        }
        return Document(value: value, lines: lines)
    }

    private var found: String {
        guard index < bytes.count else { return "the end of the text" }
        let byte = bytes[index]
        return byte >= 0x20 && byte < 0x7f ? "'\(Character(UnicodeScalar(byte)))'" : "byte \(byte)"
    }

    private func fault(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, reason: "not valid JSON: \(reason)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            index += 1
        }
    }

    private mutating func parseValue(path: String, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw fault("nested deeper than \(Self.maximumDepth) levels") }
        guard index < bytes.count else { throw fault("expected a value, found the end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(path: path, depth: depth)
        case UInt8(ascii: "["): return try parseArray(path: path, depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fault("expected a value, found \(found)")
        }
    }

    private mutating func parseObject(path: String, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        index += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fault("expected a quoted key, found \(found)")
            }
            let keyLine = line
            let key = try parseString()
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            if fields[key] != nil {
                throw fault("the key \"\(key)\" appears twice in one object")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fault("expected ':' after the key \"\(key)\", found \(found)")
            }
            index += 1
            skipWhitespace()
            lines[keyPath] = keyLine
            fields[key] = try parseValue(path: keyPath, depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw fault("expected ',' or '}', found the end of the text") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            throw fault("expected ',' or '}' after the value of \"\(key)\", found \(found)")
        }
    }

    private mutating func parseArray(path: String, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            let itemPath = "\(path)[\(items.count)]"
            lines[itemPath] = line
            items.append(try parseValue(path: itemPath, depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw fault("expected ',' or ']', found the end of the text") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            throw fault("expected ',' or ']' in an array, found \(found)")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONSyntaxError) {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw fault("expected \(literal), found \(found)")
        }
        index += expected.count
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fault("expected a digit, found the end of the text") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            throw fault("expected a digit, found \(found)")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fault("expected a digit after the decimal point, found \(found)") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fault("expected a digit in the exponent, found \(found)") }
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else {
            throw fault("the number \(String(decoding: bytes[start..<index], as: UTF8.self)) is out of range")
        }
        return value
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush(_ run: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
            if !run.isEmpty {
                scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                run.removeAll(keepingCapacity: true)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                flush(&run, into: &scalars)
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(&run, into: &scalars)
                index += 1
                guard index < bytes.count else { throw fault("unfinished escape at the end of the text") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{c}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"): scalars.append(try parseUnicodeEscape())
                default: throw fault("unknown escape '\\\(Character(UnicodeScalar(escape)))' in a string")
                }
            case 0..<0x20:
                throw fault(byte == UInt8(ascii: "\n") ? "a string runs past the end of its line" : "a control character inside a string")
            default:
                run.append(byte)
                index += 1
            }
        }
        throw fault("a string is not closed before the end of the text")
    }

    private mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let high = try hexQuad()
        if (0xD800...0xDBFF).contains(high) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fault("a lone high surrogate \\u\(String(high, radix: 16)) in a string")
            }
            index += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                throw fault("an invalid surrogate pair in a string")
            }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw fault("a lone low surrogate in a string") }
        return scalar
    }

    private mutating func hexQuad() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw fault("expected four hexadecimal digits after \\u")
        }
        index += 4
        return value
    }
}
