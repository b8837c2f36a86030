import Testing

@testable import Orchestrator

@Suite struct RequestRateLimiterTests {
    @Test func noMoreThanTheLimitStartInAnyWindow() async throws {
        let limiter = RequestRateLimiter(limit: 2, window: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        var offsets: [Duration] = []
        for _ in 0..<5 {
            try await limiter.acquire()
            offsets.append(clock.now - start)
        }
        #expect(offsets[1] < .milliseconds(100))
        #expect(offsets[2] >= .milliseconds(300) && offsets[3] >= .milliseconds(300))
        #expect(offsets[4] >= .milliseconds(600))
    }
}
