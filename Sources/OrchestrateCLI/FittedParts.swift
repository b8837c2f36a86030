import ArgumentParser
import Foundation

/// The supervised parts of a controller `eval --folds` fits on the other folds.
struct FittedParts: OptionSet {
    let rawValue: Int
    static let outcomes = FittedParts(rawValue: 1)
    static let judge = FittedParts(rawValue: 2)

    /// `outcomes`, `judge` or both, comma-separated.
    init(parsing text: String) throws {
        var parts: FittedParts = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch word {
            case "outcomes": parts.insert(.outcomes)
            case "judge": parts.insert(.judge)
            default: throw ValidationError("--fit: expected outcomes, judge or both separated by commas, got '\(word)'")
            }
        }
        guard !parts.isEmpty else { throw ValidationError("--fit: expected outcomes, judge or both separated by commas, got '\(text)'") }
        self = parts
    }

    init(rawValue: Int) {
        self.rawValue = rawValue
    }
}
