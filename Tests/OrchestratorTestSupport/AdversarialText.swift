import Foundation
import PropertyBased

/// Generators of hostile text for the fuzz targets: what a model, a neighbour or a request body could send. Most
/// inputs are short mixes of the tokens our parsers look for; some nest brackets tens of thousands deep, carry
/// invalid UTF-8, unbalanced fences and huge numbers, or run to a megabyte on one line.
public enum AdversarialText {
    /// Tokens the parsers treat specially, and lookalikes of our own framing.
    public static let fragments: [String] = [
        "(", ")", "((", "))", "[", "]", "{", "}", "\"", "\\", "\\\"", ",", ":", "=", "==", "+", "-", "*", "/", "x", "×", "÷", "%", "$", ".",
        "<<", ">>", "<<9*2=18>>", "####", "Answer:", "answer is", "Answer: (B)", "(C)", "A. yes\nB. no\n", "### Final Answer ###",
        "```", "```python\n", "\n```\n", "def f():\n    return 1\n", "1,234", "1,2345", "0.5", "-3", "12.", "1e309", "1e-400", "NaN",
        "99999999999999999999999999999999", "--- agent 7 (math.arithmetic-checker) [verified]", "--- end of message 0badc0de ---",
        "│ ", "[verified]", "\n", "\r\n", "\r", "\u{2028}", "\u{2029}", "\u{85}", "\u{0B}", "\u{0C}", "\t", "\u{0}", "\u{1B}[2J",
        "\u{202E}", "e\u{301}", "👩‍👩‍👧", "\u{FFFD}", "{\"Alice\": \"id=3; leader=9\"}", "true", "null", "key=value;", "  ",
    ]

    /// One hostile text.
    public static let text: Generator<String, Shrink.None<String>> = Generator { random in
        make(using: &random)
    }

    /// One hostile byte sequence (for decoders that take bytes): mostly UTF-8 of `text`, sometimes invalid UTF-8.
    public static let bytes: Generator<[UInt8], Shrink.None<[UInt8]>> = Generator { random in
        var bytes = Array(make(using: &random).utf8)
        if Int.random(in: 0..<3, using: &random) == 0 {
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let invalid: [[UInt8]] = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]
                let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
                bytes.insert(contentsOf: invalid.randomElement(using: &random)!, at: position)
            }
        }
        return bytes
    }

    public static func make(using random: inout any SeededRandomNumberGenerator) -> String {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<8: return deepNesting(using: &random)
        case 8..<10: return longLine(using: &random)
        case 10..<16: return invalidUTF8(using: &random)
        case 16..<22: return String(repeating: "9", count: Int.random(in: 300...20_000, using: &random)) + " + 1 = 2\nAnswer: 1e99999"
        default: return mix(using: &random, pieces: Int.random(in: 0...60, using: &random))
        }
    }

    public static func mix(using random: inout any SeededRandomNumberGenerator, pieces: Int) -> String {
        var text = ""
        for _ in 0..<pieces {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: text += String(Int.random(in: -1_000...1_000_000, using: &random))
            case 1: text += String(UnicodeScalar(UInt8.random(in: 32...126, using: &random)))
            default: text += fragments.randomElement(using: &random)!
            }
        }
        return text
    }

    /// Brackets, parentheses, braces or signs nested 1,000 to 100,000 deep, inside an arithmetic line or JSON.
    public static func deepNesting(using random: inout any SeededRandomNumberGenerator) -> String {
        let depth = [1_000, 10_000, 100_000].randomElement(using: &random)!
        let (open, close) = [("(", ")"), ("[", "]"), ("{\"a\":", "}"), ("- ", ""), ("{", "}"), ("<<", ">>"), ("```", "")].randomElement(
            using: &random
        )!
        let balanced = Bool.random(using: &random)
        let inner = open == "{\"a\":" ? "1" : "1 + 2"
        let body = String(repeating: open, count: depth) + inner + (balanced ? String(repeating: close, count: depth) : "")
        return mix(using: &random, pieces: 3) + body + " = 3\nAnswer: 3" + mix(using: &random, pieces: 3)
    }

    /// One line of about a megabyte.
    public static func longLine(using random: inout any SeededRandomNumberGenerator) -> String {
        let unit = ["1 + ", "(", "{\"k\": \"", "a", "= 1 ", "│ "].randomElement(using: &random)!
        return String(repeating: unit, count: 1_048_576 / unit.utf8.count) + "\nAnswer: 7"
    }

    /// Text decoded from bytes that are not valid UTF-8 (each bad sequence becomes U+FFFD), as a reply would be.
    public static func invalidUTF8(using random: inout any SeededRandomNumberGenerator) -> String {
        var bytes = Array(mix(using: &random, pieces: 20).utf8)
        for _ in 0..<Int.random(in: 1...20, using: &random) {
            bytes.insert(UInt8.random(in: 0x80...0xff, using: &random), at: bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
