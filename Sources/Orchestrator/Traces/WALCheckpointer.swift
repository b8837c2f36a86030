import Foundation
import GRDB
import Logging

/// Copies a trace database's write-ahead log into the database on a connection of its own, off the path of the
/// runs that write it: SQLite would otherwise do it inside whichever commit found the log past its limit, stalling
/// that run for milliseconds. Passive checkpoints never wait for the writer nor hold it up; the writer's own
/// automatic checkpoint stays as a backstop, at `backstopPages`, should this fall behind.
final class WALCheckpointer: Sendable {
    /// Log pages at which the writer checkpoints by itself (SQLite's default is 1,000).
    static let backstopPages = 16_000
    private let task: Task<Void, Never>

    /// Starts checkpointing the database at `path` every `interval`, until this is released.
    init(path: String, interval: Duration = .milliseconds(250), logger: Logger) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        task = Task.detached(priority: .utility) {
            var reported = false
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { break }
                do {
                    _ = try await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
                    // Another connection is checkpointing (a store closing on the same file): try again next time.
                    continue
                } catch {
                    // A full disk or a broken file: the writer's own checkpoint still runs; say so once.
                    if !reported {
                        logger.warning("background WAL checkpoint failed", metadata: ["database": "\(path)", "error": "\(error)"])
                        reported = true
                    }
                }
            }
        }
    }

    deinit {
        task.cancel()
    }
}
