import Foundation
import OrchestratorTestSupport
import Testing

/// A running `orchestrate serve` of the built executable, from the repository's root, on a free port.
struct ServeProcess {
    let process: Process
    /// `http://HOST:PORT/v1`, as the server printed it.
    let base: String

    /// The server's root, without `/v1`.
    var root: String { String(base.dropLast("/v1".count)) }

    /// Starts `orchestrate serve --port 0` with `arguments`; its log goes to `log` (discarded without one).
    static func start(_ arguments: [String], log: URL? = nil) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = try #require(TestSupport.executable(), "the orchestrate executable was not built")
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = TestSupport.repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        if let log {
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return ServeProcess(process: process, base: try await OpenAIClient.listeningURL(from: output.fileHandleForReading))
    }

    /// Stops the server if it still runs.
    func stop() {
        if process.isRunning { process.terminate() }
    }
}
