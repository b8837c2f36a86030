import Foundation

/// The options a multiple-choice query lists, such as the `A. …` to `D. …` lines of an MMLU question.
public enum ChoiceOptions {
    static let optionLinePattern = CompiledPattern.make(#"^\s*\(?([A-J])[.)]\s+\S"#)

    /// The letters of the last block of option lines (`A. text`, `(B) text`, `C) text`), in order; empty when the
    /// query lists none. Earlier blocks are worked examples; the last one is the question's own.
    public static func letters(in query: String) -> [String] {
        let regex = optionLinePattern
        var blocks: [[String]] = []
        var current: [String] = []
        for line in query.components(separatedBy: .newlines) {
            let range = NSRange(line.startIndex..., in: line)
            if let match = regex.firstMatch(in: line, range: range), let letter = Range(match.range(at: 1), in: line) {
                current.append(String(line[letter]))
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
}
