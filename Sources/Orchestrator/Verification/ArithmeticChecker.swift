import Foundation

/// Finds arithmetic statements in a message — `16 - 3 = 13`, `9 * $2 = $18`, `2 + 1/2 = 5/2 = 2.5`,
/// GSM8K's `<<16-3-4=9>>` — and re-computes them.
///
/// It is conservative: a statement counts only when the text left of `=` ends in an expression with at least one
/// operator and the text right of it starts with a number or expression; words between numbers end the
/// expression. A claimed result is right when it equals the computed value to the precision it is written with.
public enum ArithmeticChecker {
    /// One statement and whether it holds.
    public struct Statement: Sendable, Equatable {
        /// The statement as written, `lhs = rhs`.
        public var text: String
        /// The value of the left side.
        public var computed: Double
        /// The value claimed on the right side.
        public var claimed: Double
        public var holds: Bool
    }

    /// What a scan of a message found, and what it gave up on.
    public struct Scan: Sendable, Equatable {
        /// Every statement found, in order.
        public var statements: [Statement] = []
        /// Lines longer than `UntrustedText.arithmeticLineCharacters`, not read.
        public var longLinesSkipped = 0
        /// Expressions past the depth or length bound, not evaluated.
        public var expressionsGivenUp: [String] = []
        /// Bytes before the window of `UntrustedText.scannedCharacters` that were not read.
        public var bytesNotRead = 0

        /// What was given up on, for a check's detail; nil when nothing was.
        public var gaveUp: String? {
            var parts: [String] = []
            if longLinesSkipped > 0 {
                parts.append("\(longLinesSkipped) line(s) over \(UntrustedText.arithmeticLineCharacters) characters not read")
            }
            if let first = expressionsGivenUp.first {
                parts.append("\(expressionsGivenUp.count) expression(s) not evaluated (\(first))")
            }
            if let note = UntrustedText.omissionNote(bytesNotRead) { parts.append(note) }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        }
    }

    /// Every statement found, in order.
    public static func statements(in text: String) -> [Statement] {
        scan(text).statements
    }

    /// Every statement in the last `UntrustedText.scannedCharacters` of the text, line by line, with what was given
    /// up on: over-long lines and expressions past the bounds.
    public static func scan(_ text: String) -> Scan {
        let (window, omitted) = UntrustedText.window(text)
        var result = Scan(bytesNotRead: omitted)
        for line in window.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            guard line.utf8.count <= UntrustedText.arithmeticLineCharacters || line.count <= UntrustedText.arithmeticLineCharacters else {
                result.longLinesSkipped += 1
                continue
            }
            var body = String(line)
            // GSM8K's calculator annotations: check their content, then drop them so the prose is not read twice.
            for annotation in annotations(in: body) {
                scan(segment: annotation, into: &result)
                body = body.replacingOccurrences(of: "<<\(annotation)>>", with: "")
            }
            scan(segment: body, into: &result)
        }
        return result
    }

    /// The statements that do not hold.
    public static func errors(in text: String) -> [Statement] {
        statements(in: text).filter { !$0.holds }
    }

    static func annotations(in line: String) -> [String] {
        var result: [String] = []
        var rest = line[...]
        while let open = TextSearch.firstRange(of: "<<", in: rest), let close = TextSearch.firstRange(of: ">>", in: rest[open.upperBound...]) {
            result.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return result
    }

    /// Statements in one line: each `=` joins the expression ending before it with the value starting after it.
    static func scan(segment line: String, into result: inout Scan) {
        let parts = line.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return }
        for index in 0..<(parts.count - 1) {
            let leftScan = ExpressionScanner.trailingExpression(of: parts[index])
            if case .gaveUp(let reason) = leftScan { result.expressionsGivenUp.append(reason) }
            guard let left = leftScan.expression, left.hasOperator else { continue }
            let rightScan = ExpressionScanner.leadingExpression(of: parts[index + 1])
            if case .gaveUp(let reason) = rightScan { result.expressionsGivenUp.append(reason) }
            guard let right = rightScan.expression, let computed = left.value, let claimed = right.value else { continue }
            // In a running computation (`= 96 ÷ 3 = 32`) the left side may equal the right side's first number.
            let holds =
                matches(computed, claimed, decimals: right.decimals)
                || (right.isPercentage && matches(computed, claimed * 100, decimals: max(0, right.decimals - 2)))
                || (right.hasOperator && right.leadingNumber.map { matches(computed, $0.value, decimals: $0.decimals) } == true)
            result.statements.append(Statement(text: "\(left.text) = \(right.text)", computed: computed, claimed: claimed, holds: holds))
        }
    }

    /// True when a claimed value equals the computed one to the precision it is written with.
    static func matches(_ computed: Double, _ claimed: Double, decimals: Int) -> Bool {
        let tolerance = max(0.5 * pow(10, -Double(decimals)), 1e-9) + abs(claimed) * 1e-9
        return abs(computed - claimed) <= tolerance || roundsTo(computed, claimed)
    }

    /// True when a claimed whole-cent or whole-unit value is the computed one rounded (money, people).
    static func roundsTo(_ computed: Double, _ claimed: Double) -> Bool {
        abs((computed * 100).rounded() / 100 - claimed) < 1e-9
    }
}
