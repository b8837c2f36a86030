import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A server a bench starts and stops: its output goes to a log file, quoted when it does not come up.
final class BenchProcess: Sendable {
    let process: Process
    let log: URL

    init(_ executable: String, _ arguments: [String], log: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchFailure("could not start \(executable): \(error)")
        }
        self.process = process
        self.log = log
    }

    /// Waits until `url` answers 200; throws with the end of the log when the process ends first or `limit` passes.
    func waitUntilAnswering(_ url: String, within limit: Duration) async throws {
        let client = HTTPClient.shared
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            guard process.isRunning else { break }
            if let response = try? await client.execute(HTTPClientRequest(url: url), timeout: .seconds(2)), response.status.code == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw BenchFailure("\(process.executableURL?.lastPathComponent ?? "server") did not answer \(url):\n\(text.suffix(3000))")
    }

    /// The process and every process under it (workers), from /proc.
    var processTree: @Sendable () -> [Int32] {
        let root = process.processIdentifier
        return {
            var parents: [Int32: Int32] = [:]
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry), let fields = LoadTarget.statFields(of: pid), fields.count > 1, let parent = Int32(fields[1])
                else { continue }
                parents[pid] = parent
            }
            var tree: Set<Int32> = [root]
            var grew = true
            while grew {
                grew = false
                for (pid, parent) in parents where tree.contains(parent) && !tree.contains(pid) {
                    tree.insert(pid)
                    grew = true
                }
            }
            return Array(tree)
        }
    }

    /// Asks the process and its workers to stop (SIGTERM), and kills them if it has not stopped after 10 s.
    func stop() {
        guard process.isRunning else { return }
        let tree = processTree()
        for pid in tree { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            for pid in processTree() { kill(pid, SIGKILL) }
        }
        process.waitUntilExit()
    }
}
