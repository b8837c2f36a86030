import GRDB
import Testing

@testable import Orchestrator

extension TraceStore {
    /// The GRDB writer of a SQLite store, for tests that look at its rows directly.
    var writer: any DatabaseWriter {
        get throws { try #require(engine as? SQLiteTraceEngine, "not a SQLite store").writer }
    }
}
