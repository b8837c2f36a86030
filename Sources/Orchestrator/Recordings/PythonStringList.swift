/// Reads a Python list literal of strings, as RouterBench's CSV files keep prompts and responses
/// (`['first', "it's"]`), in one linear pass: single- and double-quoted strings with Python's escapes (`\n`, `\t`,
/// `\r`, `\\`, `\'`, `\"`, `\xNN`, `\uNNNN`), separated by commas. The text is data somebody else wrote, so nothing is
/// evaluated and anything else is an error naming the position.
enum PythonStringList {
    struct SyntaxError: Error, CustomStringConvertible {
        var position: Int
        var problem: String

        var description: String { "at character \(position + 1): \(problem)" }
    }

    /// The strings of the list.
    static func parse(_ text: String) throws(SyntaxError) -> [String] {
        let characters = Array(text.unicodeScalars)
        var index = 0
        func skipBlanks() {
            while index < characters.count, characters[index].properties.isWhitespace { index += 1 }
        }
        skipBlanks()
        guard index < characters.count, characters[index] == "[" else {
            throw SyntaxError(position: index, problem: "expected a list of strings starting with '['")
        }
        index += 1
        var strings: [String] = []
        while true {
            skipBlanks()
            guard index < characters.count else { throw SyntaxError(position: index, problem: "the list is not closed with ']'") }
            if characters[index] == "]" {
                index += 1
                break
            }
            strings.append(try string(characters, at: &index))
            skipBlanks()
            guard index < characters.count else { throw SyntaxError(position: index, problem: "the list is not closed with ']'") }
            if characters[index] == "," {
                index += 1
            } else if characters[index] != "]" {
                throw SyntaxError(position: index, problem: "expected ',' or ']' after a string")
            }
        }
        skipBlanks()
        guard index == characters.count else { throw SyntaxError(position: index, problem: "text after the list") }
        return strings
    }

    private static func string(_ characters: [Unicode.Scalar], at index: inout Int) throws(SyntaxError) -> String {
        let quote = characters[index]
        guard quote == "'" || quote == "\"" else {
            throw SyntaxError(position: index, problem: "expected a quoted string")
        }
        let start = index
        index += 1
        var result = String.UnicodeScalarView()
        while index < characters.count {
            let character = characters[index]
            index += 1
            if character == quote { return String(result) }
            guard character == "\\" else {
                result.append(character)
                continue
            }
            guard index < characters.count else { break }
            let escaped = characters[index]
            index += 1
            switch escaped {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "0": result.append("\0")
            case "\\", "'", "\"": result.append(escaped)
            case "\n": continue
            case "x", "u", "U":
                let digits = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                guard index + digits <= characters.count,
                    let value = UInt32(String(String.UnicodeScalarView(characters[index..<index + digits])), radix: 16),
                    let scalar = Unicode.Scalar(value)
                else {
                    throw SyntaxError(position: index - 2, problem: "expected \(digits) hexadecimal digits after '\\\(escaped)'")
                }
                result.append(scalar)
                index += digits
            default:
                // Python keeps an unknown escape as written.
                result.append("\\")
                result.append(escaped)
            }
        }
        throw SyntaxError(position: start, problem: "the string is not closed")
    }
}
