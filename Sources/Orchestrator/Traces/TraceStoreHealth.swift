import Foundation
import NIOConcurrencyHelpers

/// Whether a trace store can write now, as its last operations found it: down from a failure that says nothing can
/// be written (`TraceStoreFailure.storeIsDown`) until an operation or a probe succeeds again. Shared by every copy of
/// a store, so a server's readiness, its requests and its runs see one state.
public final class TraceStoreHealth: Sendable {
    private struct State {
        var failure: TraceStoreFailure?
        var since: Date?
        var lastProbe: ContinuousClock.Instant?
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The failure the store is down with, or nil while it works.
    public var failure: TraceStoreFailure? { state.withLockedValue { $0.failure } }

    /// When the store went down, while it is.
    public var downSince: Date? { state.withLockedValue { $0.since } }

    func succeeded() {
        state.withLockedValue { state in
            state.failure = nil
            state.since = nil
        }
    }

    func failed(_ failure: TraceStoreFailure) {
        guard failure.storeIsDown else { return }
        state.withLockedValue { state in
            if state.failure == nil { state.since = Date() }
            state.failure = failure
        }
    }

    /// Whether a probe is due: the store is down and none was made in the last `interval`; marks one as made.
    func claimProbe(every interval: Duration) -> Bool {
        state.withLockedValue { state in
            guard state.failure != nil else { return false }
            let now = ContinuousClock.now
            if let last = state.lastProbe, now - last < interval { return false }
            state.lastProbe = now
            return true
        }
    }
}
