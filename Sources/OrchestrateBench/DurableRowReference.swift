import Foundation
import Orchestrator

/// The cost of one durable SQLite row on this machine, the yardstick the executor's cost a message is read against:
/// Python's `sqlite3` inserting 5,000 rows of about 400 bytes, each in its own transaction, WAL,
/// `synchronous=NORMAL`, on the disk of `folder`; the median of three runs, in µs a row.
enum DurableRowReference {
    static let script = """
        import sqlite3, sys, time
        path = sys.argv[1]
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, run TEXT, step INTEGER, body TEXT)")
        body = "x" * 360
        start = time.perf_counter()
        for index in range(5000):
            db.execute("BEGIN")
            db.execute("INSERT INTO rows (run, step, body) VALUES (?, ?, ?)", ("bench-run-0001", index, body))
            db.execute("COMMIT")
        print((time.perf_counter() - start) * 1e6 / 5000)
        """

    /// µs a durable row, median of three runs of `python3`.
    static func measure(in folder: String, python: String = "/usr/bin/python3") async throws -> Double {
        var samples: [Double] = []
        for attempt in 0..<3 {
            let path = (folder as NSString).appendingPathComponent("reference-rows-\(attempt).sqlite")
            let outcome = try await Subprocess.run(python, ["-c", script, path], directory: URL(fileURLWithPath: folder), timeoutSeconds: 300)
            let text = outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard outcome.status == 0, !outcome.timedOut, let value = Double(text) else {
                throw BenchFailure("\(python) could not time durable SQLite rows (exit \(outcome.status)): \(text)\(outcome.error.suffix(500))")
            }
            samples.append(value)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        return Measurement(samples).median
    }
}
