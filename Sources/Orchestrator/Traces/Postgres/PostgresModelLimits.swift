import Foundation
import Logging
import PostgresNIO

/// Per-model limits kept in PostgreSQL by every process that records into the store: each start of a call in
/// `model_call_starts`, each call in flight as a place in `model_places` (a lease, renewed while the call runs, so a
/// killed process's places free themselves). Each model's rows change under its own advisory lock; times are the
/// server's clock, so the processes' clocks need not agree.
struct PostgresModelLimits: SharedModelLimits {
    let engine: PostgresTraceEngine

    /// The window a rate limit counts starts in: a minute, and a second more for the time between a start being
    /// counted and the request reaching the provider, which differs a little from call to call.
    static let window: Duration = .seconds(61)
    /// How long a place is held without renewal, and how often a call in flight renews it.
    static let lease: Duration = .seconds(60)
    static let renewal: Duration = .seconds(20)
    /// How often a call waiting for a place looks again.
    static let placePoll: Duration = .milliseconds(50)

    /// The tables, made by `PostgresTraceEngine.migrate` (they are not traces, so not in `TraceSchema`).
    static let creation = [
        "CREATE TABLE IF NOT EXISTS \"model_call_starts\" (\"model\" TEXT NOT NULL, \"startedAt\" TIMESTAMP NOT NULL)",
        "CREATE INDEX IF NOT EXISTS \"model_call_starts_on_model\" ON \"model_call_starts\" (\"model\", \"startedAt\")",
        "CREATE TABLE IF NOT EXISTS \"model_places\" (\"id\" TEXT PRIMARY KEY, \"model\" TEXT NOT NULL, \"expiresAt\" TIMESTAMP NOT NULL)",
        "CREATE INDEX IF NOT EXISTS \"model_places_on_model\" ON \"model_places\" (\"model\")",
    ]

    func startCall(model: String, requestsPerMinute: Int) async throws {
        let window = "\(Int(Self.window.milliseconds / 1000)) seconds"
        while true {
            let wait: Double? = try await engine.transaction("count a start of a call to \(model)") { [self] connection in
                try await lock(model, kind: "starts", on: connection)
                try await connection.query(
                    PostgresTraceEngine.query(
                        "DELETE FROM \"model_call_starts\" WHERE \"model\" = $1 AND \"startedAt\" <= clock_timestamp() - interval '\(window)'",
                        [.text(model)]
                    ),
                    logger: engine.logger
                )
                let rows = try await connection.query(
                    PostgresTraceEngine.query(
                        """
                        SELECT COUNT(*), EXTRACT(EPOCH FROM MIN("startedAt") + interval '\(window)' - clock_timestamp())::float8
                        FROM "model_call_starts" WHERE "model" = $1
                        """,
                        [.text(model)]
                    ),
                    logger: engine.logger
                )
                var started = 0
                var secondsUntilFree: Double? = nil
                for try await (count, seconds) in rows.decode((Int, Double?).self) { (started, secondsUntilFree) = (count, seconds) }
                guard started >= requestsPerMinute else {
                    try await connection.query(
                        PostgresTraceEngine.query(
                            "INSERT INTO \"model_call_starts\" (\"model\", \"startedAt\") VALUES ($1, clock_timestamp())",
                            [.text(model)]
                        ),
                        logger: engine.logger
                    )
                    return nil
                }
                return max(secondsUntilFree ?? 0, 0.01)
            }
            guard let wait else { return }
            // Waiters wake a little apart, so they do not all ask for the freed start at once.
            try await Task.sleep(for: .milliseconds(Int(wait * 1000) + Int.random(in: 0...50)))
        }
    }

    func withPlace<Result: Sendable>(model: String, concurrency: Int, _ operation: @Sendable () async throws -> Result) async throws -> Result {
        let place = UUID().uuidString
        while !(try await take(place, model: model, concurrency: concurrency)) {
            try await Task.sleep(for: Self.placePoll)
        }
        let renewing = Task { [engine] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.renewal)
                guard !Task.isCancelled else { return }
                _ = try? await engine.change(
                    TraceQuery(
                        "UPDATE \"model_places\" SET \"expiresAt\" = clock_timestamp() + interval '\(Int(Self.lease.milliseconds / 1000)) seconds' WHERE \"id\" = ?",
                        [.text(place)]
                    )
                )
            }
        }
        defer { renewing.cancel() }
        do {
            let result = try await operation()
            try await free(place)
            return result
        } catch {
            try? await free(place)
            throw error
        }
    }

    /// Takes a place for `model` when fewer than `concurrency` unexpired ones are held; returns whether it did (also
    /// when an earlier try of this one committed unseen and the place is already held).
    private func take(_ place: String, model: String, concurrency: Int) async throws -> Bool {
        try await engine.transaction("take a place for a call to \(model)") { [self] connection in
            try await lock(model, kind: "places", on: connection)
            try await connection.query(
                PostgresTraceEngine.query("DELETE FROM \"model_places\" WHERE \"model\" = $1 AND \"expiresAt\" < clock_timestamp()", [.text(model)]),
                logger: engine.logger
            )
            var (held, mine) = (0, 0)
            for try await (count, own) in try await connection.query(
                PostgresTraceEngine.query(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE \"id\" = $2) FROM \"model_places\" WHERE \"model\" = $1",
                    [.text(model), .text(place)]
                ),
                logger: engine.logger
            ).decode((Int, Int).self) {
                (held, mine) = (count, own)
            }
            // Taken by an earlier try whose commit was not seen (the store's guard tried again).
            if mine > 0 { return true }
            guard held < concurrency else { return false }
            try await connection.query(
                PostgresTraceEngine.query(
                    """
                    INSERT INTO "model_places" ("id", "model", "expiresAt")
                    VALUES ($1, $2, clock_timestamp() + interval '\(Int(Self.lease.milliseconds / 1000)) seconds')
                    """,
                    [.text(place), .text(model)]
                ),
                logger: engine.logger
            )
            return true
        }
    }

    private func free(_ place: String) async throws {
        _ = try await engine.change(TraceQuery("DELETE FROM \"model_places\" WHERE \"id\" = ?", [.text(place)]))
    }

    /// Holds, until the transaction ends, the lock on one model's rows of one kind.
    private func lock(_ model: String, kind: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            PostgresTraceEngine.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("orchestrate.\(kind).\(model)")]),
            logger: engine.logger
        )
    }
}
