import Foundation

/// Where a trace store lives: a SQLite file, or a PostgreSQL database named by a URL
/// (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`). The password comes from the
/// URL or from `PGPASSWORD`, and is never printed: `description` leaves it out.
public enum TraceDatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(Postgres)

    /// A PostgreSQL database and how to reach it; printed without its password.
    public struct Postgres: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var sslMode: SSLMode

        /// `postgres://user@host:port/database`: never the password.
        public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
        public var debugDescription: String { description }

        /// Whether the connection is encrypted, as libpq's `sslmode` says it.
        public enum SSLMode: String, Sendable, Equatable {
            case disable, prefer, require
        }
    }

    /// Reads `--db`: a `postgres://` or `postgresql://` URL, else a SQLite path. `field` names the option or variable
    /// in errors; `environment` gives `PGPASSWORD`.
    public init(_ text: String, field: String = "--db", environment: [String: String] = ProcessInfo.processInfo.environment) throws(FieldError) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            self = .sqlite(path: text)
            return
        }
        let expected = "expected postgres://user[:password]@host[:port]/database"
        guard let components = URLComponents(string: text) else {
            throw FieldError(field: field, problem: "\(expected), got a URL that cannot be read")
        }
        let shown = Self.redacted(components)
        guard let host = components.host, !host.isEmpty else { throw FieldError(field: field, problem: "\(expected): no host in \(shown)") }
        guard let username = components.user, !username.isEmpty else {
            throw FieldError(field: field, problem: "\(expected): no user in \(shown)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw FieldError(field: field, problem: "\(expected): no database name in \(shown)")
        }
        var sslMode = Postgres.SSLMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", let value = item.value, let mode = Postgres.SSLMode(rawValue: value) else {
                throw FieldError(
                    field: field,
                    problem: "only ?sslmode=disable|prefer|require may follow the database, got ?\(item.name)=\(item.value ?? "") in \(shown)"
                )
            }
            sslMode = mode
        }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGPASSWORD"]
        self = .postgres(
            Postgres(host: host, port: components.port ?? 5432, username: username, password: password, database: database, sslMode: sslMode)
        )
    }

    /// The location as it may be printed: a path, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let postgres): postgres.description
        }
    }

    private static func redacted(_ components: URLComponents) -> String {
        var shown = components
        if shown.password != nil { shown.password = "***" }
        return shown.string ?? "the URL"
    }
}
