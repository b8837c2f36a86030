import Foundation

/// The options a multiple-choice query lists, such as the `A. …` to `D. …` lines of an MMLU question.
public enum ChoiceOptions {
    /// The letters of the last block of option lines (`A. text`, `(B) text`, `C) text`), in order; empty when the
    /// query lists none. Earlier blocks are worked examples; the last one is the question's own.
    public static func letters(in query: String) -> [String] {
        var blocks: [[String]] = []
        var current: [String] = []
        for line in query.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if let letter = optionLetter(of: line) {
                current.append(String(letter))
            } else if !current.isEmpty {
                blocks.append(current)
                current = []
            }
        }
        if !current.isEmpty { blocks.append(current) }
        // A block counts only when it runs A, B, C… in order, as option lists do.
        let valid = blocks.filter { block in
            block.count >= 2 && block.enumerated().allSatisfy { index, letter in letter == String(UnicodeScalar(UInt8(65 + index))) }
        }
        return valid.last ?? []
    }

    /// The letter of an option line — blanks, an optional `(`, a letter A to J, `.` or `)`, blanks, then text — or
    /// nil for any other line. Read scalar by scalar: queries are read at every check of every message.
    static func optionLetter(of line: Substring) -> Character? {
        var scalars = line.unicodeScalars[...]
        scalars = scalars.drop(while: { $0.properties.isWhitespace })
        if scalars.first == "(" { scalars = scalars.dropFirst() }
        guard let letter = scalars.first, ("A"..."J").contains(letter) else { return nil }
        scalars = scalars.dropFirst()
        guard let mark = scalars.first, mark == "." || mark == ")" else { return nil }
        scalars = scalars.dropFirst()
        guard let blank = scalars.first, blank.properties.isWhitespace, !scalars.drop(while: { $0.properties.isWhitespace }).isEmpty else {
            return nil
        }
        return Character(letter)
    }
}
