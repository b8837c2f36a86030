import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Orchestrator

struct WatchdogTests {
    @Test func anAlarmFiresOnceAfterItsDeadlineAndACancelledOneNever() async throws {
        let watchdog = Watchdog(tick: .milliseconds(10))
        let fired = NIOLockedValueBox<[String]>([])
        let start = ContinuousClock.now
        let firedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        watchdog.schedule(after: .milliseconds(150)) {
            fired.withLockedValue { $0.append("late") }
        }
        watchdog.schedule(after: .milliseconds(50)) {
            firedAt.withLockedValue { $0 = .now }
            fired.withLockedValue { $0.append("early") }
        }
        let cancelled = watchdog.schedule(after: .milliseconds(60)) {
            fired.withLockedValue { $0.append("cancelled") }
        }
        watchdog.cancel(cancelled)
        try await Task.sleep(for: .milliseconds(30))
        #expect(fired.withLockedValue { $0 }.isEmpty, "nothing fires before its deadline")
        try await Task.sleep(for: .milliseconds(570))
        #expect(fired.withLockedValue { $0 } == ["early", "late"])
        let early = try #require(firedAt.withLockedValue { $0 }) - start
        #expect(early >= .milliseconds(50))
        #expect(watchdog.count == 0, "a fired alarm is forgotten")
    }

    @Test func aTimeLimitCancelsTheOperationAndSaysSo() async throws {
        let start = ContinuousClock.now
        await #expect(throws: TimeLimitExceeded.self) {
            try await withTimeLimit(.now + .milliseconds(100)) {
                try await Task.sleep(for: .seconds(10))
                return 1
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(try await withTimeLimit(.now + .seconds(5)) { 3 } == 3)
        await #expect(throws: CancellationError.self) {
            try await withTimeLimit(.now + .seconds(5)) { () async throws -> Int in throw CancellationError() }
        }
    }
}
