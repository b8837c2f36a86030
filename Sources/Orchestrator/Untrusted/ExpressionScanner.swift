import Foundation

/// Reads arithmetic expressions out of prose: numbers (with `$`, `,` thousands and `%`), `+ - * / × ÷ x`, and
/// parentheses, evaluated with the usual precedence.
///
/// The text is untrusted: an expression deeper than `UntrustedText.expressionDepth` or longer than
/// `UntrustedText.expressionTokens` tokens is given up on (`Scan.gaveUp`), never evaluated by unbounded recursion.
enum ExpressionScanner {
    /// What a scan found: an expression, nothing to evaluate, or an expression past the bounds.
    enum Scan {
        case found(Expression)
        case none
        case gaveUp(String)

        var expression: Expression? {
            if case .found(let expression) = self { return expression }
            return nil
        }
    }

    /// An expression found in text.
    struct Expression {
        var text: String
        var value: Double?
        var hasOperator: Bool
        /// Decimal places of the last number, the precision a claimed result is written with.
        var decimals: Int
        /// The first number, with its decimal places, of an expression that starts with one.
        var leadingNumber: (value: Double, decimals: Int)?
        /// True for a lone percentage (`20%`), which a computation may state either as 20 or as 0.2.
        var isPercentage = false
    }

    enum Token: Equatable {
        case number(Double, decimals: Int, percent: Bool)
        case op(Character)
        case open
        case close
    }

    /// The longest expression that ends the text (before an `=`).
    static func trailingExpression(of text: String) -> Scan {
        let tokens = tokenize(text)
        guard let last = tokens.last, case .token = last else { return .none }
        // Walk back over tokens as long as they alternate into a valid expression.
        var start = tokens.count - 1
        while start > 0, case .token = tokens[start - 1] {
            start -= 1
        }
        var slice = Array(tokens[start...]).compactMap(\.token)
        // Drop unmatched parentheses. An operator right after a word (`total * 3 = 12`) means the expression has an
        // unknown in it: nothing to re-compute. A leading minus at the very start is a sign.
        while let first = slice.first {
            if case .op(let op) = first {
                guard start == 0, op == "-", slice.count > 1, isNumber(slice[1]) else { return .none }
                break
            } else if first == .close {
                slice.removeFirst()
            } else {
                break
            }
        }
        slice = balanced(slice, trailing: true)
        return expression(slice)
    }

    /// The expression that starts the text (after an `=`).
    static func leadingExpression(of text: String) -> Scan {
        let tokens = tokenize(text)
        var end = 0
        while end < tokens.count, case .token = tokens[end] {
            end += 1
        }
        var slice = Array(tokens[..<end]).compactMap(\.token)
        if let last = slice.last, case .op = last {
            // `= 40 * total`: an unknown follows, nothing to compare with; `= 12 -` at the very end is a dash.
            guard end == tokens.count else { return .none }
            while let last = slice.last, case .op = last {
                slice.removeLast()
            }
        }
        slice = balanced(slice, trailing: false)
        // The claimed result is the first number unless an expression follows directly (chained `= 5/2 = 2.5`).
        return expression(slice)
    }

    /// A token or a break (a word, a sentence mark) that ends an expression.
    enum Piece {
        case token(Token)
        case stop

        var token: Token? {
            if case .token(let token) = self { return token }
            return nil
        }
    }

    static func isNumber(_ token: Token) -> Bool {
        if case .number = token { return true }
        return false
    }

    static func tokenize(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        let characters = Array(text)
        var index = 0
        func previousIsNumber() -> Bool {
            if case .token(.number)? = pieces.last { return true }
            if case .token(.close)? = pieces.last { return true }
            return false
        }
        while index < characters.count {
            let character = characters[index]
            // `\*` is Markdown's escaped asterisk; currency signs and spaces carry no arithmetic.
            if character.isWhitespace || character == "$" || character == "€" || character == "£" || character == "\\" {
                index += 1
                continue
            }
            if character.isNumber || (character == "." && index + 1 < characters.count && characters[index + 1].isNumber) {
                var digits = ""
                var decimals = 0
                var seenPoint = false
                while index < characters.count {
                    let next = characters[index]
                    if next.isNumber {
                        digits.append(next)
                        if seenPoint { decimals += 1 }
                    } else if next == "," && index + 3 < characters.count + 0 && isThousandsGroup(characters, from: index + 1) {
                        // 1,234 — a thousands separator, not a list comma.
                    } else if next == "." && !seenPoint && index + 1 < characters.count && characters[index + 1].isNumber {
                        seenPoint = true
                        digits.append(next)
                    } else {
                        break
                    }
                    index += 1
                }
                var value = Double(digits) ?? 0
                let isPercent = index < characters.count && characters[index] == "%"
                if isPercent {
                    value /= 100
                    decimals += 2
                    index += 1
                }
                pieces.append(.token(.number(value, decimals: decimals, percent: isPercent)))
                continue
            }
            switch character {
            case "+", "-", "−", "–":
                pieces.append(.token(.op(character == "+" ? "+" : "-")))
            case "*", "×", "·":
                pieces.append(.token(.op("*")))
            case "/", "÷":
                pieces.append(.token(.op("/")))
            case "x", "X":
                // `5 x 6` is multiplication only between numbers, as a word of its own.
                let standalone = (index + 1 >= characters.count || !characters[index + 1].isLetter) && (index == 0 || !characters[index - 1].isLetter)
                pieces.append(previousIsNumber() && standalone ? .token(.op("*")) : .stop)
            case "(":
                pieces.append(.token(.open))
            case ")":
                pieces.append(.token(.close))
            default:
                pieces.append(.stop)
            }
            index += 1
        }
        return pieces
    }

    static func isThousandsGroup(_ characters: [Character], from start: Int) -> Bool {
        guard start + 3 <= characters.count else { return false }
        let group = characters[start..<(start + 3)]
        guard group.allSatisfy(\.isNumber) else { return false }
        return start + 3 == characters.count || !characters[start + 3].isNumber
    }

    /// Drops parentheses that do not match within the slice.
    static func balanced(_ tokens: [Token], trailing: Bool) -> [Token] {
        var depth = 0
        var result: [Token] = []
        if trailing {
            // Scan right to left: a `(` with no `)` after it is dropped, and everything before it.
            for token in tokens.reversed() {
                if token == .close { depth += 1 }
                if token == .open {
                    if depth == 0 { break }
                    depth -= 1
                }
                result.append(token)
            }
            return depth == 0 ? result.reversed() : []
        }
        for token in tokens {
            if token == .open { depth += 1 }
            if token == .close {
                if depth == 0 { break }
                depth -= 1
            }
            result.append(token)
        }
        return depth == 0 ? result : []
    }

    static func expression(_ tokens: [Token]) -> Scan {
        guard !tokens.isEmpty else { return .none }
        guard tokens.count <= UntrustedText.expressionTokens else {
            return .gaveUp("an expression of \(tokens.count) tokens (more than \(UntrustedText.expressionTokens))")
        }
        var parser = Parser(tokens: tokens)
        let parsed = parser.parseSum()
        if parser.tooDeep {
            return .gaveUp("an expression nested deeper than \(UntrustedText.expressionDepth) levels")
        }
        guard let value = parsed, parser.position == tokens.count else { return .none }
        var decimals = 0
        for token in tokens.reversed() {
            if case .number(_, let places, _) = token {
                decimals = places
                break
            }
        }
        let hasOperator = tokens.dropFirst().contains { if case .op = $0 { return true } else { return false } }
        let text = tokens.map { token -> String in
            switch token {
            case .number(let value, _, let percent): return AnswerExtractor.canonicalNumber(percent ? value * 100 : value) + (percent ? "%" : "")
            case .op(let op): return String(op)
            case .open: return "("
            case .close: return ")"
            }
        }.joined(separator: " ")
        var leadingNumber: (value: Double, decimals: Int)?
        var percentOnly = false
        if case .number(let first, let places, let percent) = tokens[0] {
            leadingNumber = (first, places)
            percentOnly = percent && tokens.count == 1
        }
        return .found(
            Expression(
                text: text,
                value: value.isFinite ? value : nil,
                hasOperator: hasOperator,
                decimals: decimals,
                leadingNumber: leadingNumber,
                isPercentage: percentOnly
            )
        )
    }

    /// Recursive descent: sum := product (('+'|'-') product)*; product := unary (('*'|'/') unary)*. Each
    /// parenthesis or sign goes one level deeper; past `UntrustedText.expressionDepth` it stops with `tooDeep`.
    struct Parser {
        let tokens: [Token]
        var position = 0
        var depth = 0
        var tooDeep = false

        mutating func parseSum() -> Double? {
            guard var value = parseProduct() else { return nil }
            while position < tokens.count, case .op(let op) = tokens[position], op == "+" || op == "-" {
                position += 1
                guard let right = parseProduct() else { return nil }
                value = op == "+" ? value + right : value - right
            }
            return value
        }

        mutating func parseProduct() -> Double? {
            guard var value = parseUnary() else { return nil }
            while position < tokens.count, case .op(let op) = tokens[position], op == "*" || op == "/" {
                position += 1
                guard let right = parseUnary() else { return nil }
                value = op == "*" ? value * right : value / right
            }
            return value
        }

        mutating func parseUnary() -> Double? {
            guard position < tokens.count, !tooDeep else { return nil }
            switch tokens[position] {
            case .op("-"):
                position += 1
                guard descend() else { return nil }
                defer { depth -= 1 }
                return parseUnary().map { -$0 }
            case .number(let value, _, _):
                position += 1
                return value
            case .open:
                position += 1
                guard descend() else { return nil }
                defer { depth -= 1 }
                guard let value = parseSum(), position < tokens.count, tokens[position] == .close else { return nil }
                position += 1
                return value
            default:
                return nil
            }
        }

        /// Goes one level deeper, or marks the expression too deep.
        private mutating func descend() -> Bool {
            depth += 1
            if depth > UntrustedText.expressionDepth {
                tooDeep = true
                return false
            }
            return true
        }
    }
}
