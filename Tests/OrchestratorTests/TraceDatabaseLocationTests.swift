import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// `--db`: a SQLite path or a PostgreSQL URL, whose password is never shown.
@Suite(.timeLimit(.minutes(5))) struct TraceDatabaseLocationTests {
    @Test func aPathIsSQLiteAndAURLIsPostgreSQL() throws {
        #expect(try TraceDatabaseLocation("Traces/traces.sqlite") == .sqlite(path: "Traces/traces.sqlite"))
        let url = try TraceDatabaseLocation("postgres://ana:s3cret@db.internal:6543/traces?sslmode=require", environment: [:])
        let expected = TraceDatabaseLocation.Postgres(
            host: "db.internal",
            port: 6543,
            username: "ana",
            password: "s3cret",
            database: "traces",
            sslMode: .require
        )
        #expect(url == .postgres(expected))
        #expect(url.description == "postgres://ana@db.internal:6543/traces", "the password is never printed")
        #expect("\(expected)" == url.description && String(reflecting: expected) == url.description && !"\([expected])".contains("s3cret"))
        let fromEnvironment = try TraceDatabaseLocation("postgresql://ana@localhost/traces", environment: ["PGPASSWORD": "from-env"])
        #expect(
            fromEnvironment
                == .postgres(
                    TraceDatabaseLocation.Postgres(
                        host: "localhost",
                        port: 5432,
                        username: "ana",
                        password: "from-env",
                        database: "traces",
                        sslMode: .prefer
                    )
                )
        )
    }

    @Test(arguments: [
        ("postgres://ana:s3cret@/traces", "no host"),
        ("postgres://db.internal/traces", "no user"),
        ("postgres://ana:s3cret@db.internal/", "no database name"),
        ("postgres://ana:s3cret@db.internal/traces?timeout=3", "only ?sslmode"),
    ])
    func badURLsNameTheOptionAndWhatIsMissingWithoutThePassword(url: String, problem: String) {
        let error = #expect(throws: FieldError.self) { try TraceDatabaseLocation(url, field: "ORCHESTRATE_DB", environment: [:]) }
        #expect(error?.field == "ORCHESTRATE_DB")
        #expect(error?.problem.contains(problem) == true, "\(error?.problem ?? "")")
        #expect(error?.problem.contains("s3cret") == false, "the password is never printed: \(error?.problem ?? "")")
    }
}
