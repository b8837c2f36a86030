/// A query both engines run: SQL that both SQLite and PostgreSQL read (camel-case names double-quoted, no
/// engine's own functions), with `?` for each value, bound by position and never spliced into the text.
struct TraceQuery: Sendable {
    var sql: String
    var values: [TraceValue]

    init(_ sql: String, _ values: [TraceValue] = []) {
        self.sql = sql
        self.values = values
    }

    /// The SQL with PostgreSQL's numbered placeholders (`$1`, `$2`, …; a moment's cast to `timestamp`). A `?` inside
    /// a quoted literal or name is left alone.
    var postgresSQL: String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 8)
        var quote: Character?
        var position = 0
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                position += 1
                result += "$\(position)"
                if position <= values.count, values[position - 1].isMoment { result += "::timestamp" }
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Joins fragments with a separator, their values in order.
    static func joined(_ parts: [TraceQuery], separator: String) -> TraceQuery {
        TraceQuery(parts.map(\.sql).joined(separator: separator), parts.flatMap(\.values))
    }
}

extension TraceQuery {
    /// Appends a fragment and its values.
    static func + (left: TraceQuery, right: TraceQuery) -> TraceQuery {
        TraceQuery(left.sql + right.sql, left.values + right.values)
    }
}
