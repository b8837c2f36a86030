import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5))) struct RequestRateLimiterTests {
    @Test func noMoreThanTheLimitStartInAnyWindow() async throws {
        let limiter = RequestRateLimiter(limit: 2, window: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        var offsets: [Duration] = []
        for _ in 0..<5 {
            try await limiter.acquire()
            offsets.append(clock.now - start)
        }
        #expect(offsets[1] < .milliseconds(500), "the first two start at once")
        #expect(offsets[2] >= .seconds(1) && offsets[3] >= .seconds(1))
        #expect(offsets[4] >= .seconds(2))
    }
}
