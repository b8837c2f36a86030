import Foundation
import Logging

/// The runs this process ended because the trace store could not take their events: each run's ledger, with all it
/// staged and its end (failed, naming the store), is kept here and written as soon as the store takes writes again,
/// so a process never leaves a run of its own `running` while it lives, and loses none of what the run did.
public actor AbandonedRuns {
    private var ledgers: [String: RunLedger] = [:]
    private var order: [String] = []
    private var retrying: Task<Void, Never>?
    private let logger: Logger

    /// How many runs are kept at most; the oldest beyond it are dropped (logged), and the store marks them
    /// interrupted when their process is gone or silent.
    public static let capacity = 10_000
    /// How often the kept runs are tried again.
    static let retryInterval: Duration = .seconds(1)

    init(logger: Logger) {
        self.logger = logger
    }

    /// The ids of the runs waiting to be written.
    public var runIDs: [String] { order }

    /// Keeps a ledger whose commit failed, to be written when the store is back.
    func keep(_ ledger: RunLedger) {
        if ledgers.updateValue(ledger, forKey: ledger.runID) == nil { order.append(ledger.runID) }
        while order.count > Self.capacity {
            let dropped = order.removeFirst()
            ledgers[dropped] = nil
            logger.error("dropped an abandoned run that could not be written", metadata: ["run": "\(dropped)"])
        }
        if retrying == nil {
            retrying = Task { [weak self] in
                while let self, await self.retryOnce() {
                    try? await Task.sleep(for: Self.retryInterval)
                }
            }
        }
    }

    /// Tries to write every kept run once, oldest first, stopping at the first failure; returns whether any are left.
    @discardableResult
    public func retryOnce() async -> Bool {
        for runID in order {
            guard let ledger = ledgers[runID] else { continue }
            do {
                try await ledger.commit()
            } catch let failure as TraceStoreFailure where failure.storeIsDown {
                logger.warning(
                    "the store still cannot take the runs it could not record",
                    metadata: ["runs": "\(order.count)", "error": "\(failure)"]
                )
                break
            } catch {
                // Refused for what it holds, not for the store: trying again cannot help.
                ledgers[runID] = nil
                order.removeAll { $0 == runID }
                logger.error("dropped a run the store refused", metadata: ["run": "\(runID)", "error": "\(error)"])
                continue
            }
            ledgers[runID] = nil
            order.removeAll { $0 == runID }
            logger.info("wrote a run the store could not take before", metadata: ["run": "\(runID)"])
        }
        if order.isEmpty { retrying = nil }
        return !order.isEmpty
    }

    /// Tries the kept runs until none is left or `limit` passes (a process stopping); returns how many are left.
    @discardableResult
    public func drain(within limit: Duration) async -> Int {
        let deadline = ContinuousClock.now + limit
        while await retryOnce(), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
        }
        return order.count
    }
}
