import Foundation

/// Cheap, deterministic features of a query that the prior leans on: length, numbers, cues of
/// multi-step reasoning, code or multiple choice, a difficulty in [0, 1] and a guessed domain.
public struct QueryProfile: Sendable, Equatable {
    public var wordCount: Int
    public var numberCount: Int
    public var stepCues: Int
    public var codeCues: Int
    public var choiceCues: Int
    /// 0 for a short, direct question; towards 1 for long, multi-step ones.
    public var difficulty: Double
    /// The domain the query looks like it belongs to.
    public var inferredDomain: Domain

    static let optionLinePattern = CompiledPattern.make(#"^\(?[A-Ja-j][).:]\s"#)

    static let stepWords: Set<String> = [
        "then", "after", "each", "every", "total", "remaining", "left", "altogether", "twice", "half", "per", "more", "less",
        "first", "second", "finally", "prove", "explain", "compare", "steps", "percent", "average",
    ]
    static let codeWords: Set<String> = [
        "function", "python", "code", "implement", "return", "returns", "def", "class", "array", "list", "string", "algorithm",
        "program", "compile", "bug", "variable", "integer", "recursion",
    ]

    public init(query: String) {
        let words = HashingEmbedder.words(query)
        wordCount = words.count
        numberCount = words.filter { $0.first?.isNumber == true }.count
        stepCues = words.filter { Self.stepWords.contains($0) }.count
        codeCues = words.filter { Self.codeWords.contains($0) }.count + (TextSearch.contains("```", in: query) ? 3 : 0)
        let optionLines = query.components(separatedBy: "\n").filter { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return Self.optionLinePattern.firstMatch(in: trimmed, range: NSRange(trimmed.startIndex..., in: trimmed)) != nil
        }
        choiceCues = optionLines.count + (TextSearch.contains("which of the following", in: query.lowercased()) ? 2 : 0)
        let signal =
            -2.4 + 0.03 * Double(wordCount) + 0.25 * Double(min(numberCount, 8)) + 0.45 * Double(min(stepCues, 6))
            + 0.5 * Double(min(codeCues, 6))
        difficulty = 1 / (1 + exp(-signal))
        if choiceCues >= 2 {
            inferredDomain = .knowledge
        } else if codeCues >= 2 {
            inferredDomain = .code
        } else if numberCount >= 1 {
            inferredDomain = .math
        } else {
            inferredDomain = .general
        }
    }
}
