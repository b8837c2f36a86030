import Foundation

/// Regular expressions compiled once per process instead of at every call (compiling one costs tens of
/// microseconds; matching a short text, a few). Patterns are literals, so one that does not compile is a
/// programming error.
enum CompiledPattern {
    static func make(_ pattern: String, options: NSRegularExpression.Options = []) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            preconditionFailure("the pattern \(pattern) does not compile: \(error)")
        }
    }
}
