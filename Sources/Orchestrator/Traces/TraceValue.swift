import Foundation
import GRDB
import PostgresNIO

/// A value bound into a trace query, whichever engine runs it.
enum TraceValue: Sendable, Equatable {
    case null
    case text(String)
    case integer(Int64)
    case double(Double)
    case boolean(Bool)
    /// A moment, stored as UTC text by SQLite and as a `TIMESTAMP` by PostgreSQL.
    case moment(Date)

    /// The value as SQLite binds it.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .text(let value): value.databaseValue
        case .integer(let value): value.databaseValue
        case .double(let value): value.databaseValue
        case .boolean(let value): value.databaseValue
        case .moment(let value): DatabaseTimestamp.value(value)
        }
    }

    /// Binds the value for PostgreSQL; a moment goes as its UTC text, which its placeholder casts (`isMoment`).
    func bind(into bindings: inout PostgresBindings) {
        switch self {
        case .null: bindings.appendNull()
        case .text(let value): bindings.append(value)
        case .integer(let value): bindings.append(value)
        case .double(let value): bindings.append(value)
        case .boolean(let value): bindings.append(value)
        case .moment(let value): bindings.append(DatabaseTimestamp.text(value))
        }
    }

    /// Whether PostgreSQL's placeholder for the value casts it to `timestamp`.
    var isMoment: Bool {
        if case .moment = self { return true }
        return false
    }

    /// A hand-bound row's value for a column of the schema: SQLite's integers 0 and 1 become booleans, timestamps
    /// stay text (cast by the statement).
    init(_ value: DatabaseValue, as type: TraceSchema.ColumnType) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = type == .boolean ? .boolean(number != 0) : .integer(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .text(String(decoding: data, as: UTF8.self))
        }
    }
}
