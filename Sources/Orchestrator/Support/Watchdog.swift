import NIOConcurrencyHelpers

/// One clock for the process's many short-lived bounds and timers — a store operation's time limit, a model call's
/// deadline, a run's flush delay and heartbeat — instead of a sleeping task each. A sleeping task costs a task, a
/// timer the runtime keeps to its end however soon the task is cancelled (a store bound of 40 s outlives the write it
/// guards by that much), and a thread's wake-up to cancel it; an alarm here costs a lock and a table entry, and is
/// forgotten when cancelled.
///
/// Alarms fire on one task that wakes every `tick` while any are set (and not at all when none are), so an alarm
/// fires up to `tick` late; the closures must be quick and must not wait.
public final class Watchdog: Sendable {
    /// The process's watchdog, ticking every 20 ms while an alarm is set.
    public static let shared = Watchdog(tick: .milliseconds(20))

    /// A set alarm, to cancel it.
    public struct Alarm: Hashable, Sendable {
        fileprivate let id: UInt64
    }

    private struct Entry: Sendable {
        var deadline: ContinuousClock.Instant
        var fire: @Sendable () -> Void
    }

    private struct State: Sendable {
        var nextID: UInt64 = 0
        var alarms: [UInt64: Entry] = [:]
        /// Whether the ticking task runs; it ends when no alarm is left.
        var ticking = false
    }

    /// How often due alarms are looked for.
    public let tick: Duration
    private let state = NIOLockedValueBox(State())

    public init(tick: Duration) {
        self.tick = tick
    }

    /// Calls `fire` once `deadline` has passed, unless the alarm is cancelled first.
    @discardableResult
    public func schedule(at deadline: ContinuousClock.Instant, _ fire: @escaping @Sendable () -> Void) -> Alarm {
        let (id, start) = state.withLockedValue { state in
            state.nextID += 1
            state.alarms[state.nextID] = Entry(deadline: deadline, fire: fire)
            defer { state.ticking = true }
            return (state.nextID, !state.ticking)
        }
        if start {
            Task.detached { [self] in await runTicks() }
        }
        return Alarm(id: id)
    }

    /// Calls `fire` once `delay` has passed, unless the alarm is cancelled first.
    @discardableResult
    public func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> Alarm {
        schedule(at: .now + delay, fire)
    }

    /// Forgets the alarm; nothing happens if it already fired.
    public func cancel(_ alarm: Alarm) {
        _ = state.withLockedValue { $0.alarms.removeValue(forKey: alarm.id) }
    }

    /// How many alarms are set.
    var count: Int {
        state.withLockedValue { $0.alarms.count }
    }

    /// Fires due alarms, earliest first, every tick until none is left.
    private func runTicks() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let due = state.withLockedValue { state -> [Entry]? in
                let due = state.alarms.filter { $0.value.deadline <= now }
                for id in due.keys { state.alarms.removeValue(forKey: id) }
                if state.alarms.isEmpty && due.isEmpty {
                    state.ticking = false
                    return nil
                }
                return due.values.sorted { $0.deadline < $1.deadline }
            }
            guard let due else { return }
            for entry in due { entry.fire() }
        }
    }
}
