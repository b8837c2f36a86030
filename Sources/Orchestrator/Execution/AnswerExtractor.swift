import Foundation

/// Reads an answer of a given kind out of a response, and normalises answers so they can be compared.
public enum AnswerExtractor {
    static let choiceLetterPattern = CompiledPattern.make(#"^\(?([A-Ja-j])\)?(?:[.:)]|\s|$)"#)
    static let markerPattern = CompiledPattern.make(#"(?:answer\s*(?:is)?\s*[:=]|####)\s*([^\n]+)"#, options: [.caseInsensitive])
    static let numberPattern = CompiledPattern.make(#"-?\$?\d[\d,]*(?:\.\d+)?"#)
    static let parenthesisedLetterPattern = CompiledPattern.make(#"\(([A-J])\)"#)
    /// A reply that is a lone letter (`D`, `A)`, `C.`), or opens with one set off as an option is (`A) Ian`).
    static let leadingLetterPattern = CompiledPattern.make(#"^\s*\(?([A-J])(?:\)?[.:]?\s*$|[).:]\s)"#)

    /// The answer in a response, normalised; nil when none can be read. Only the last
    /// `UntrustedText.scannedCharacters` of a long response are read: that is where the answer line is.
    public static func extract(from fullResponse: String, kind: AnswerKind) -> String? {
        let window = UntrustedText.window(fullResponse)
        let response = window.omitted > 0 ? String(window.text) : fullResponse
        let marked = markedAnswer(in: response)
        switch kind {
        case .number:
            if let marked, let value = firstNumber(in: marked) { return canonicalNumber(value) }
            return lastNumber(in: response).map(canonicalNumber)
        case .choice:
            if let marked, let letter = choiceLetter(marked) { return letter }
            return lastParenthesisedLetter(in: response) ?? leadingLetter(in: response)
        case .code:
            if let block = lastCodeBlock(in: response) { return normalise(block, kind: .code) }
            return marked.flatMap { normalise($0, kind: .code) }
        case .text:
            let candidate =
                marked ?? response.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map(String.init)
            return candidate.flatMap { normalise($0, kind: .text) }
        }
    }

    /// An answer as given by a person (an expected answer), normalised for comparison; nil when unreadable.
    public static func normalise(_ value: String, kind: AnswerKind) -> String? {
        switch kind {
        case .number:
            return parseNumber(value).map(canonicalNumber)
        case .choice:
            return choiceLetter(value)
        case .text:
            let folded = value.lowercased()
                .components(separatedBy: .whitespacesAndNewlines).filter { !$0.isEmpty }.joined(separator: " ")
                .trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"'` "))
            return folded.isEmpty ? nil : folded
        case .code:
            let lines = value.split(separator: "\n", omittingEmptySubsequences: true)
                .map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
                .filter { !$0.isEmpty }
            return lines.isEmpty ? nil : lines.joined(separator: "\n")
        }
    }

    /// A number written the way people write them: `1,234`, `$5.50`, `-3`, `12.`.
    public static func parseNumber(_ text: String) -> Double? {
        UntrustedText.isPlainASCII(text.utf8, newlines: true) ? parseASCIINumber(text) : parseAnyNumber(text)
    }

    /// `parseNumber` through Foundation, for text beyond ASCII.
    static func parseAnyNumber(_ text: String) -> Double? {
        var cleaned = text.trimmingCharacters(in: .whitespacesAndNewlines)
        cleaned = cleaned.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "$", with: "")
        cleaned = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: ". %"))
        guard !cleaned.isEmpty, let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    /// `parseNumber` over ASCII bytes, without Foundation: blanks trimmed, `,` and `$` dropped, then `.`, ` ` and `%`
    /// trimmed from both ends.
    static func parseASCIINumber(_ text: String) -> Double? {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || (0x09...0x0d).contains($0) }
        var bytes = Array(text.utf8)
        while let last = bytes.last, blank(last) { bytes.removeLast() }
        let leading = bytes.prefix(while: blank).count
        bytes = bytes.dropFirst(leading).filter { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "$") }
        let edge: (UInt8) -> Bool = { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "%") }
        while let last = bytes.last, edge(last) { bytes.removeLast() }
        let cleaned = bytes.drop(while: edge)
        guard !cleaned.isEmpty, let value = Double(String(decoding: cleaned, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// Whether two numbers are the same up to floating-point noise (relative 1e-9, absolute 1e-9 near zero).
    public static func isSameNumber(_ one: Double, _ other: Double) -> Bool {
        abs(one - other) <= max(1e-9, abs(other) * 1e-9)
    }

    /// A canonical rendering: integers without a decimal point, others with up to six decimals.
    public static func canonicalNumber(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 {
            return String(Int64(value))
        }
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A single choice letter A–J in text such as `B`, `(b)`, `B.`, `Option B`; nil otherwise.
    public static func choiceLetter(_ text: String) -> String? {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.lowercased().hasPrefix("option ") {
            body = String(body.dropFirst("option ".count)).trimmingCharacters(in: .whitespaces)
        }
        let regex = choiceLetterPattern
        let range = NSRange(body.startIndex..., in: body)
        guard let match = regex.firstMatch(in: body, range: range), let letter = Range(match.range(at: 1), in: body) else { return nil }
        return body[letter].uppercased()
    }

    /// The text after the last `Answer:` or `####` marker, up to the end of its line.
    static func markedAnswer(in response: String) -> String? {
        let regex = markerPattern
        let range = NSRange(response.startIndex..., in: response)
        guard let match = regex.matches(in: response, range: range).last, let captured = Range(match.range(at: 1), in: response) else {
            return nil
        }
        let text = response[captured].trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    static func numbers(in text: String) -> [Double] {
        let regex = numberPattern
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range, in: text).flatMap { parseNumber(String(text[$0])) }
        }
    }

    static func firstNumber(in text: String) -> Double? { numbers(in: text).first }

    static func lastNumber(in text: String) -> Double? { numbers(in: text).last }

    static func lastParenthesisedLetter(in text: String) -> String? {
        let regex = parenthesisedLetterPattern
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.matches(in: text, range: range).last, let letter = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[letter])
    }

    /// The letter of a reply that is only a choice (`D`), or that opens with one as an option (`A) Ian`); nil for text
    /// that merely starts with a capital (`I do`, `A man`).
    static func leadingLetter(in text: String) -> String? {
        let firstLine = text.drop(while: \.isWhitespace).prefix { !$0.isNewline }
        let line = String(firstLine.prefix(64))
        let range = NSRange(line.startIndex..., in: line)
        guard let match = leadingLetterPattern.firstMatch(in: line, range: range), let letter = Range(match.range(at: 1), in: line) else {
            return nil
        }
        return String(line[letter])
    }

    static func lastCodeBlock(in text: String) -> String? {
        let parts = text.components(separatedBy: "```")
        guard parts.count >= 3 else { return nil }
        let body = parts[parts.count - 2 - (parts.count % 2 == 0 ? 1 : 0)]
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        let firstLine = lines.first.map(String.init) ?? ""
        let isLanguageTag = !firstLine.contains(" ") && firstLine.count < 20
        return (isLanguageTag ? lines.dropFirst() : lines[...]).joined(separator: "\n")
    }
}
