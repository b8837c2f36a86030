import Foundation
import GRDB
import Logging
import PostgresNIO

/// The trace store's PostgreSQL engine: the same tables (`TraceSchema`), the same migrations table and the same
/// events as the SQLite store, over a pool of connections (postgres-nio's `PostgresClient`), so that several
/// processes on several machines record runs into one store. Timestamps are `TIMESTAMP` columns in UTC.
final class PostgresTraceEngine: Sendable {
    let client: PostgresClient
    let location: TraceDatabaseLocation.Postgres
    let logger: Logger
    private let running: Task<Void, Never>

    /// Connects lazily: the first query opens the first connection.
    init(_ location: TraceDatabaseLocation.Postgres, maximumConnections: Int = 8, logger: Logger) {
        let tls: PostgresClient.Configuration.TLS =
            switch location.sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: location.host,
            port: location.port,
            username: location.username,
            password: location.password,
            database: location.database,
            tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        // The pool logs each failed connection attempt as it retries; the store reports the failure once.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.location = location
        self.logger = logger
        running = Task { await client.run() }
    }

    deinit {
        running.cancel()
    }

    /// Runs `body` in one transaction on a pooled connection; an error `body` throws is rethrown as it is (not wrapped
    /// in postgres-nio's transaction error), after the rollback.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    /// Reaches the server and brings its tables to the schema, within `limit`: an unreachable server or a refused
    /// login is an error naming the store, not an endless wait while the pool retries.
    func connect(within limit: Duration = .seconds(15)) async throws {
        do {
            try await withTimeLimit(.now + limit) { [self] in try await migrate() }
        } catch is TimeLimitExceeded {
            throw TraceStoreError(
                description: "\(location): no answer within \(Int(limit.milliseconds / 1000)) s (is the server up, and the URL right?)"
            )
        }
    }

    /// A query of hand-written SQL with its values bound by position (`$1`, `$2`, …).
    static func query(_ sql: String, _ values: [PostgresBindable] = []) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { value.bind(into: &bindings) }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// `"name"`: PostgreSQL folds unquoted names to lower case, and the schema's are camel case.
    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}

/// A value bound into a PostgreSQL query.
enum PostgresBindable: Sendable {
    case null
    case text(String)
    case integer(Int64)
    case double(Double)
    case boolean(Bool)

    func bind(into bindings: inout PostgresBindings) {
        switch self {
        case .null: bindings.appendNull()
        case .text(let value): bindings.append(value)
        case .integer(let value): bindings.append(value)
        case .double(let value): bindings.append(value)
        case .boolean(let value): bindings.append(value)
        }
    }

    /// The value as SQLite binds it.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .text(let value): value.databaseValue
        case .integer(let value): value.databaseValue
        case .double(let value): value.databaseValue
        case .boolean(let value): value.databaseValue
        }
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

extension PostgresTraceEngine: RunTraceSink, RunTraceSource {}

extension TraceDatabaseLocation {
    /// A store runs can be copied into at this location: a SQLite store (created if missing) or a PostgreSQL one
    /// (its tables made if missing).
    public func openSink(logger: Logger) async throws -> any RunTraceSink {
        switch self {
        case .sqlite(let path):
            return try TraceStore.open(path: path, logger: logger)
        case .postgres(let location):
            return try await Self.connect(location, logger: logger)
        }
    }

    /// A store runs can be copied out of at this location; a SQLite file must exist (reading never creates one).
    public func openSource(logger: Logger) async throws -> any RunTraceSource {
        switch self {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw TraceStoreError(description: "\(path): no trace database here")
            }
            return try TraceStore.open(path: path, logger: logger)
        case .postgres(let location):
            return try await Self.connect(location, logger: logger)
        }
    }

    private static func connect(_ location: Postgres, logger: Logger) async throws -> PostgresTraceEngine {
        let engine = PostgresTraceEngine(location, logger: logger)
        try await engine.connect()
        return engine
    }
}
