/// Searches for a literal phrase in text, byte for byte over UTF-8: what the checks and the judge's features do to
/// every message, without Foundation's locale-aware search (which costs several times more on Linux). A UTF-8 phrase
/// can only match at the start of a scalar, so every range found is a valid range of the text.
enum TextSearch {
    /// How many times `phrase` occurs in `text`, without overlaps, left to right.
    static func occurrences(of phrase: String, in text: String) -> Int {
        var count = 0
        var from = text.startIndex
        while let found = firstRange(of: phrase, in: text[from...]) {
            count += 1
            from = found.upperBound
        }
        return count
    }

    /// Whether `phrase` occurs in `text`.
    static func contains(_ phrase: String, in text: String) -> Bool {
        firstRange(of: phrase, in: text[...]) != nil
    }

    /// The first place `phrase` occurs in `text`; nil when it does not, or is empty.
    static func firstRange(of phrase: String, in text: Substring) -> Range<String.Index>? {
        let needle = Array(phrase.utf8)
        guard let first = needle.first else { return nil }
        let haystack = text.utf8
        var index = haystack.startIndex
        while let start = haystack[index...].firstIndex(of: first) {
            var end = start
            var matched = 0
            while matched < needle.count, end < haystack.endIndex, haystack[end] == needle[matched] {
                matched += 1
                end = haystack.index(after: end)
            }
            if matched == needle.count { return start..<end }
            index = haystack.index(after: start)
        }
        return nil
    }

    /// The last place `phrase` occurs in `text`; nil when it does not, or is empty.
    static func lastRange(of phrase: String, in text: String) -> Range<String.Index>? {
        var last: Range<String.Index>?
        var from = text.startIndex
        while let found = firstRange(of: phrase, in: text[from...]) {
            last = found
            from = text.utf8.index(after: found.lowerBound)
        }
        return last
    }
}
