/// How much untrusted text — model replies, neighbours' messages, code answers, request bodies — the parsers read,
/// and the window they read it through.
///
/// Every scanner of such text is iterative or depth-limited and stops at these bounds; what it gave up on is said
/// in the result (a check's detail), never silently dropped.
public enum UntrustedText {
    /// Characters of one reply that answer extraction and the checks read: past this, only the last ones (the
    /// answer line comes last).
    public static let scannedCharacters = 65_536
    /// The longest line the arithmetic check re-computes; longer lines are passed over and counted.
    public static let arithmeticLineCharacters = 4_096
    /// The deepest nesting of parentheses (or signs) an expression may have to be evaluated.
    public static let expressionDepth = 64
    /// The most tokens one expression may have to be evaluated.
    public static let expressionTokens = 512
    /// Characters of a neighbour's message a receiver is shown: past this, only the last ones, with a note.
    public static let deliveredCharacters = 32_768
    /// The most places an AgentsNet reply is tried as the start of its JSON object of messages.
    public static let jsonCandidates = 64

    /// The text, or its last `limit` characters when it is longer, with the number of bytes (UTF-8) left out.
    public static func window(_ text: String, limit: Int = scannedCharacters) -> (text: Substring, omitted: Int) {
        // utf8.count is O(1) for native strings and bounds the character count from above.
        guard text.utf8.count > limit else { return (text[...], 0) }
        var start = text.endIndex
        var kept = 0
        while start > text.startIndex, kept < limit {
            text.formIndex(before: &start)
            kept += 1
        }
        guard start > text.startIndex else { return (text[...], 0) }
        return (text[start...], text.utf8.distance(from: text.startIndex, to: start))
    }

    /// A note on what a window left out, for a check's detail; nil when nothing was.
    static func omissionNote(_ omitted: Int) -> String? {
        omitted > 0 ? "only the last \(scannedCharacters) characters were read (\(omitted) bytes before them were not)" : nil
    }

    /// The text on one line for a terminal or a header: line breaks of every kind shown as ` ⏎ `, and control and
    /// bidirectional-override characters as U+FFFD, so model text can neither move the cursor, recolour the
    /// terminal, nor start a line that reads as ours.
    public static func printable(_ text: some StringProtocol) -> String {
        // Most headers and answers have no line break and nothing hidden: nothing to change. (Every line break but
        // U+2028 and U+2029 is a hidden scalar.)
        if !text.unicodeScalars.contains(where: { isHidden($0) || $0.value == 0x2028 || $0.value == 0x2029 }) {
            return String(text)
        }
        var result = ""
        for character in text {
            if character.isNewline {
                result += " ⏎ "
            } else if character.unicodeScalars.contains(where: isHidden) {
                result.append("\u{FFFD}")
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Whether every byte is printable ASCII or a tab (or, with `newlines`, a line feed): text no character of
    /// which is hidden, fuses with what precedes it, or breaks a line other than by `\n`.
    static func isPlainASCII(_ bytes: some Sequence<UInt8>, newlines: Bool) -> Bool {
        bytes.allSatisfy { byte in
            (byte >= 0x20 && byte < 0x7f) || byte == UInt8(ascii: "\t") || (newlines && byte == UInt8(ascii: "\n"))
        }
    }

    /// Control characters other than tab, DEL, C1 controls, and bidirectional embeddings, overrides and isolates.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value)
            || (0x202a...0x202e).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}
