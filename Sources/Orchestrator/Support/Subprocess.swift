import Foundation

/// Runs a program to its end without blocking a thread, killing it when it runs past a wall-clock limit.
package enum Subprocess {
    package struct Outcome: Sendable {
        package var status: Int32
        package var output: String
        package var error: String
        package var timedOut: Bool
    }

    package static func run(_ executable: String, _ arguments: [String], directory: URL, timeoutSeconds: Double) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let captures = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: captures) }
        let outputURL = captures.appendingPathComponent("stdout")
        let errorURL = captures.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        process.standardInput = FileHandle.nullDevice
        let watchdog = Watchdog()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let identifier = process.processIdentifier
            Task {
                try? await Task.sleep(for: .milliseconds(timeoutSeconds * 1000))
                if process.isRunning {
                    await watchdog.fire()
                    kill(identifier, SIGKILL)
                }
            }
        }
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, output: output, error: error, timedOut: await watchdog.fired)
    }

    /// Whether the time limit killed the process.
    actor Watchdog {
        var fired = false
        func fire() { fired = true }
    }
}
