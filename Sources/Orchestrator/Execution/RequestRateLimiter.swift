/// Lets at most `limit` calls start in any window of `window`; a caller over the limit waits for the
/// oldest start to leave the window. Waiting callers are served first come, first served.
actor RequestRateLimiter {
    private let limit: Int
    private let window: Duration
    private var starts: [ContinuousClock.Instant] = []

    init(limit: Int, window: Duration = .seconds(60)) {
        precondition(limit > 0, "a rate limit needs at least one call per window")
        self.limit = limit
        self.window = window
    }

    /// Waits until a call may start, and counts it as started.
    func acquire() async throws {
        let now = ContinuousClock.now
        starts.removeAll { now - $0 >= window }
        if starts.count < limit {
            starts.append(now)
            return
        }
        // Reserve the slot freed when the start `limit` places back leaves the window (reservations included).
        let reserved = starts[starts.count - limit] + window
        starts.append(reserved)
        try await Task.sleep(until: reserved, clock: .continuous)
    }
}
