import Foundation
import Orchestrator

/// How a server is put under load: wrk with `connections` requests in flight, a 3 s warm-up, then `seconds` measured,
/// the server's CPU read from /proc before and after.
struct LoadTarget: Sendable {
    var wrk: String
    var connections: Int
    var seconds: Int
    /// Where scripts and logs go.
    var folder: URL

    /// Sends `body` to `url` as a JSON POST under load; returns wrk's report of the measured part and the CPU
    /// milliseconds the processes `measuring` gives (a server and its workers) spent a request in it.
    func drive(_ url: String, body: String, measuring processes: @Sendable () -> [Int32]) async throws -> (LoadReport, Double) {
        let script = folder.appendingPathComponent("post-\(UUID().uuidString.prefix(8)).lua")
        let escaped = body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        try """
        wrk.method = "POST"
        wrk.body = "\(escaped)"
        wrk.headers["Content-Type"] = "application/json"
        """.write(to: script, atomically: true, encoding: .utf8)
        let threads = min(2, connections)
        _ = try await run(wrk, ["-t\(threads)", "-c\(connections)", "-d3s", "-s", script.path, url])
        let pids = processes()
        let before = Self.cpuSeconds(of: pids)
        let output = try await run(wrk, ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, url])
        let spent = Self.cpuSeconds(of: processes()) - before
        let report = try LoadReport(wrkOutput: output)
        return (report, report.requests > 0 ? spent * 1000 / Double(report.requests) : .nan)
    }

    /// Runs wrk to its end (killed if it outlasts its load by a minute); returns what it printed.
    private func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let outcome = try await Subprocess.run(executable, arguments, directory: folder, timeoutSeconds: Double(seconds + 60))
        guard outcome.status == 0, !outcome.timedOut else {
            throw BenchFailure(
                "\(executable) exited \(outcome.status)\(outcome.timedOut ? " (killed: too slow)" : ""):\n\(outcome.output)\(outcome.error)"
            )
        }
        return outcome.output + outcome.error
    }

    /// User and system CPU seconds the processes spent so far (from /proc/PID/stat; gone processes count 0).
    static func cpuSeconds(of processes: [Int32]) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return processes.reduce(0) { total, pid in
            // utime and stime are fields 14 and 15 of the line, 12 and 13 after "(comm)".
            guard let fields = statFields(of: pid), fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
                return total
            }
            return total + (user + system) / ticks
        }
    }

    /// The fields of /proc/PID/stat after the process's name (its state first, its parent second); nil when gone.
    static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchFailure("no socket for a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw BenchFailure("could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
