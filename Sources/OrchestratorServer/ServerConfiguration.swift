/// How `OrchestratorServer` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// The address to bind: `127.0.0.1` (default), `::1`, `localhost`, or another interface (which needs a token).
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// The bearer token every `/v1` request must carry; required when `host` is not loopback.
    public var token: String?
    /// Request bodies larger than this are refused with 413.
    public var maxBodyBytes: Int
    /// Orchestrator runs in flight at once; further requests wait their turn.
    public var maxConcurrentRuns: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, maxBodyBytes: Int = 1 << 20, maxConcurrentRuns: Int = 16) {
        self.host = host
        self.port = port
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.maxConcurrentRuns = maxConcurrentRuns
    }

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// Checks the configuration; the error says what to change.
    public func validate() throws(ServerConfigurationError) {
        if !isLoopback && (token ?? "").isEmpty {
            throw ServerConfigurationError(
                message: "binding to \(host) exposes the orchestrator beyond this machine: set a bearer token (--token or ORCHESTRATE_SERVE_TOKEN)"
            )
        }
        guard (0...65535).contains(port) else { throw ServerConfigurationError(message: "port must be from 0 to 65535, got \(port)") }
        guard maxBodyBytes > 0 else { throw ServerConfigurationError(message: "the body limit must be positive, got \(maxBodyBytes)") }
        guard maxConcurrentRuns > 0 else {
            throw ServerConfigurationError(message: "at least one run must be allowed at once, got \(maxConcurrentRuns)")
        }
    }
}

/// A server configuration that cannot be used.
public struct ServerConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
