import Foundation
import OrchestratorTestSupport
import Testing

/// A trace database on a disk that fills during a batch.
@Suite(.timeLimit(.minutes(5)))
struct FullDiskTests {
    /// A 1,000-run batch into a database on a 3 MB filesystem (tmpfs where this machine lets a test mount one, else a
    /// 3 MB limit on the size of any file the process writes): it stops within a few runs of the disk filling, exits
    /// non-zero saying how many runs were recorded and how many never started; the recorded runs can be listed on
    /// the full disk, the database is intact, and no run is left running.
    @Test func aBatchIntoAFullDiskStopsAndItsRunsStayReadable() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let mounted = try await TestSupport.shell("mount -t tmpfs -o size=3m tmpfs '\(disk.path)'").status == 0
        defer { if mounted { Task { _ = try? await TestSupport.shell("umount '\(disk.path)'") } } }
        let database = disk.appendingPathComponent("traces.sqlite").path
        let executable = try #require(TestSupport.executable()).path
        let command = "\(mounted ? "" : "ulimit -f 3072; ")exec '\(executable)' run Workflows/tasks/sample-50.jsonl --repeat 20 --db '\(database)'"
        let batch = try await TestSupport.shell(command)
        if mounted {
            // The disk stays full while the runs are read.
            _ = try await TestSupport.shell("dd if=/dev/zero of='\(disk.path)/filler' bs=4k 2>/dev/null")
        }

        #expect(batch.status == 1, "\(batch.error.suffix(600))")
        let stopped = try #require(
            batch.error.firstMatch(of: /(\d+) runs recorded, (\d+) ended without being recorded \(no answer given\), (\d+) not started/),
            "\(batch.error.suffix(600))"
        )
        let (recorded, unrecorded, notStarted) = (Int(stopped.1) ?? 0, Int(stopped.2) ?? 0, Int(stopped.3) ?? 0)
        #expect(recorded > 20 && recorded + unrecorded + notStarted == 1000)
        #expect(notStarted > 500, "the batch stopped soon after the disk filled")
        #expect(unrecorded <= 8, "no more than the runs in flight were lost to the full disk: \(unrecorded)")
        #expect(batch.error.contains("no space left to write"), "\(batch.error.suffix(400))")

        let listed = try await TestSupport.runExecutable(["traces", "list", "--db", database, "--limit", "1000"])
        #expect(listed.status == 0, "traces list works on the full disk: \(listed.error)")
        let rows = listed.output.split(separator: "\n").dropFirst()
        #expect(rows.count >= recorded, "\(rows.count) rows listed, \(recorded) recorded")
        #expect(!listed.output.contains("running"))

        // Read as the product reads a full disk: read-only, else (no room for the reader's index, nothing in the log)
        // immutable.
        let check = try await TestSupport.shell(
            "python3 -c \"import sqlite3, os\n"
                + "uri = 'file:\(database)?mode=ro'\n"
                + "try: sqlite3.connect(uri, uri=True).execute('SELECT 1 FROM runs LIMIT 1')\n"
                + "except sqlite3.OperationalError: uri += '&immutable=1' if os.path.getsize('\(database)-wal') == 0 else ''\n"
                + "c = sqlite3.connect(uri, uri=True)\n"
                + "print(c.execute('PRAGMA integrity_check').fetchone()[0], c.execute(\\\"SELECT COUNT(*) FROM runs WHERE status = 'running'\\\").fetchone()[0])\""
        )
        #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok 0", "\(check.output)\(check.error)")
        print(
            "full disk (\(mounted ? "3 MB tmpfs" : "3 MB file-size limit")): \(recorded) runs recorded, \(unrecorded) not recorded, \(notStarted) not started"
        )
    }
}
