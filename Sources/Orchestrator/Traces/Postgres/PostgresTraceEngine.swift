import Foundation
import GRDB
import Logging
import PostgresNIO

/// The trace store's PostgreSQL engine: the same tables (`TraceSchema`), the same migrations table and the same
/// events as the SQLite store, over a pool of connections (postgres-nio's `PostgresClient`), so that several
/// processes on several machines record runs into one store. Timestamps are `TIMESTAMP` columns in UTC.
final class PostgresTraceEngine: TraceEngine {
    let client: PostgresClient
    let location: TraceDatabaseLocation.Postgres
    let logger: Logger
    /// Bounds every transaction, retries one whose connection was lost, names the store in every failure.
    let storeGuard: TraceStoreGuard
    private let running: Task<Void, Never>

    /// Connects lazily: the first query opens the first connection. Each operation ends within `operationLimit`.
    init(
        _ location: TraceDatabaseLocation.Postgres,
        maximumConnections: Int = 8,
        operationLimit: Duration = TraceStoreGuard.defaultLimit,
        logger: Logger
    ) {
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
        storeGuard = TraceStoreGuard(
            engine: "PostgreSQL",
            store: location.description,
            health: TraceStoreHealth(),
            limit: operationLimit,
            retriesLostConnections: true
        )
        running = Task { await client.run() }
    }

    /// Two transactions at once, each on its own connection of the pool: one fills its group while the other is at the
    /// server (four measured no faster under load, and cost more CPU a request).
    var concurrentWrites: Int { 2 }

    var sharedLimits: (any SharedModelLimits)? { PostgresModelLimits(engine: self) }
    var health: TraceStoreHealth { storeGuard.health }

    deinit {
        running.cancel()
    }

    /// Runs `body` in one transaction on a pooled connection, within the store's time limit (a lost connection
    /// retried on a new one: the transaction was rolled back); a failure is a `TraceStoreFailure` naming `operation`.
    /// A transaction the guard stopped waiting for rolls back rather than commit late. Without `retries` a lost
    /// connection is the operation's failure: one whose first try may have committed is not tried twice.
    func transaction<Result: Sendable>(
        _ operation: String,
        within limit: Duration? = nil,
        writes: Bool = true,
        retries: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await storeGuard.run(operation, within: limit, writes: writes, retries: retries) { [client, logger] gaveUp in
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    let value = try await body(connection)
                    if gaveUp.isSet { throw GaveUpBeforeCommit() }
                    return value
                }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.beginError ?? error.commitError ?? error
            }
        }
    }

    /// Whether the server answers now, within the store's time limit.
    func probe() async throws {
        _ = try await transaction("answer a probe", within: TraceStoreGuard.probeLimit) { [logger] connection in
            try await connection.query(Self.query("SELECT 1"), logger: logger)
        }
    }

    /// Reaches the server and brings its tables to the schema, within `limit`: an unreachable server or a refused
    /// login is an error naming the store, not an endless wait while the pool retries.
    func connect(within limit: Duration = .seconds(15)) async throws {
        do {
            try await withTimeLimit(.now + limit) { [self] in try await migrate(within: limit) }
        } catch is TimeLimitExceeded {
            throw TraceStoreError(
                description: "\(location): no answer within \(Int(limit.milliseconds / 1000)) s (is the server up, and the URL right?)"
            )
        }
    }

    /// A query of hand-written SQL with its values bound by position (`$1`, `$2`, …).
    static func query(_ sql: String, _ values: [TraceValue] = []) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { value.bind(into: &bindings) }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// `"name"`: PostgreSQL folds unquoted names to lower case, and the schema's are camel case.
    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}

extension TraceDatabaseLocation {
    /// One line on why a store could not be used, naming it (never its password): PostgreSQL's own message for a
    /// server's refusal (postgres-nio prints its errors without one, so that queries do not leak).
    public static func explained(_ error: any Error, at location: TraceDatabaseLocation) -> String {
        switch error {
        case let error as TraceStoreError:
            return error.description
        case let error as TraceStoreFailure:
            return error.description
        case let error as PSQLError:
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            return "\(location): \(message)"
        default:
            return "\(location): \(error)"
        }
    }
}
