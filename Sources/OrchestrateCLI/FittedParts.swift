import ArgumentParser
import Foundation

/// The supervised parts of a controller `eval --folds` fits on the other folds.
struct FittedParts: OptionSet {
    let rawValue: Int
    static let outcomes = FittedParts(rawValue: 1)
    static let judge = FittedParts(rawValue: 2)
    static let plans = FittedParts(rawValue: 4)

    /// `outcomes`, `judge`, `plans` (the plan table, on a recorded fleet), comma-separated.
    init(parsing text: String) throws {
        var parts: FittedParts = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch word {
            case "outcomes": parts.insert(.outcomes)
            case "judge": parts.insert(.judge)
            case "plans": parts.insert(.plans)
            default: throw ValidationError("--fit: expected outcomes, judge or plans separated by commas, got '\(word)'")
            }
        }
        guard !parts.isEmpty else { throw ValidationError("--fit: expected outcomes, judge or plans separated by commas, got '\(text)'") }
        self = parts
    }

    init(rawValue: Int) {
        self.rawValue = rawValue
    }
}
