import Foundation
import Orchestrator
import PostgresNIO
import Testing

/// The engines a trace-store test runs on, as its argument: SQLite always; PostgreSQL when the test cluster of
/// `scripts/postgres.sh` runs (CI requires it; elsewhere without one the PostgreSQL cases are left out, and the
/// PostgreSQL-only suites skip with `PostgresServer.reason`).
public enum StoreEngine: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite, and PostgreSQL when there is a server to test against.
    public static var available: [StoreEngine] { PostgresServer.runs ? [.sqlite, .postgres] : [.sqlite] }

    public var testDescription: String { rawValue }

    /// A fresh store on this engine (see `withDatabase`): a temporary SQLite file, or a new PostgreSQL database.
    public func withStore<T: Sendable>(_ body: (TraceStore) async throws -> T) async throws -> T {
        try await withDatabase { reference in
            try await body(try await TraceStore.open(TraceDatabaseLocation(reference), logger: TestSupport.logger))
        }
    }

    /// A fresh, empty database on this engine, named as `--db` names it (a path, or a URL with its password); a
    /// SQLite file is gone when `body` ends, a PostgreSQL database with the test cluster.
    public func withDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let directory = try TestSupport.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(directory.appendingPathComponent("traces.sqlite").path)
        case .postgres:
            return try await Self.withPostgresDatabase(body)
        }
    }

    private static func withPostgresDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let url = try #require(PostgresServer.url, "ORCHESTRATE_REQUIRE_POSTGRES is set but ORCHESTRATE_TEST_POSTGRES_URL is not")
        guard case .postgres(let cluster) = try TraceDatabaseLocation(url) else { throw TestFailure("not a PostgreSQL URL: \(url)") }
        let client = PostgresClient(
            configuration: PostgresClient.Configuration(
                host: cluster.host,
                port: cluster.port,
                username: cluster.username,
                password: cluster.password,
                database: cluster.database,
                tls: .disable
            )
        )
        let running = Task { await client.run() }
        defer { running.cancel() }
        let name = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        var components = try #require(URLComponents(string: url))
        components.path = "/\(name)"
        let result: Result<T, any Error>
        do {
            result = .success(try await body(try #require(components.string)))
        } catch {
            result = .failure(error)
        }
        // Not dropped: a dropped database costs the cluster an immediate checkpoint, seconds under the whole suite,
        // which stalls every other test's store; the throwaway cluster goes with its databases (`postgres.sh stop`).
        return try result.get()
    }
}
