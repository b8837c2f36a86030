import Foundation
import Logging
import Synchronization

/// The controller a long-running process plans with now, changed while it serves: by its own learner's promotion, or
/// by following the trace store, where every promotion of the catalogue's live controller is recorded
/// (`TraceStore.promoteController`). Each replica on one store polls it and loads the promoted version's parameters
/// from the store, so a promotion reaches every replica within one poll, without a restart.
public final class LiveController: Sendable {
    /// What is live: the controller, how many times it changed in this process, and a candidate on trial, if any.
    public struct Snapshot: Sendable {
        public var controller: CascadedController
        public var changes: Int
        /// A candidate planning a share of this process's requests (`ControllerLearner`'s canary), and that share.
        public var canary: (controller: CascadedController, share: Double)?
        public var version: String { controller.version }
    }

    private let state: Mutex<Snapshot>
    let store: TraceStore
    let embedder: any Embedder
    let logger: Logger

    /// Starts with `controller` (its settings — selection, temperature, exploration floor — stay with every version).
    public init(controller: CascadedController, store: TraceStore, embedder: any Embedder, logger: Logger) {
        state = Mutex(Snapshot(controller: controller, changes: 0))
        self.store = store
        self.embedder = embedder
        self.logger = logger
    }

    /// The live controller.
    public var controller: CascadedController { state.withLock { $0.controller } }

    /// The controller to plan a request with: the canary's for its share of seeds while one is on trial (drawn from the
    /// seed, so a request and its repeat go the same way), else the live one.
    public func controller(forSeed seed: UInt64) -> CascadedController {
        state.withLock { snapshot in
            guard let canary = snapshot.canary else { return snapshot.controller }
            var draw = SeededGenerator(seed: seed, labels: ["canary"])
            return draw.nextUnit() < canary.share ? canary.controller : snapshot.controller
        }
    }

    /// Puts a candidate on trial for `share` of the requests (nil parameters: ends the trial).
    public func setCanary(_ parameters: ControllerParameters?, share: Double = 0) {
        state.withLock { snapshot in
            snapshot.canary = parameters.map { (snapshot.controller.with(parameters: $0), share) }
        }
    }

    /// The controller and the number of changes.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Plans with `parameters` (nil: the prior) from now on.
    public func install(_ parameters: ControllerParameters?) {
        state.withLock { snapshot in
            guard snapshot.controller.version != (parameters?.version ?? CascadedController.priorVersion) else { return }
            snapshot.controller = snapshot.controller.with(parameters: parameters)
            snapshot.changes += 1
            snapshot.canary = nil
        }
    }

    /// Reads the store's live version for this catalogue and, when it is not the one planning, loads and installs it.
    /// Returns the version live afterwards.
    @discardableResult
    public func refresh() async throws -> String {
        let current = controller
        guard let live = try await store.liveController(catalogHash: current.catalog.hash), live.version != current.version else {
            return current.version
        }
        if live.version == CascadedController.priorVersion {
            install(nil)
        } else {
            guard let record = try await store.controllerVersion(live.version) else {
                throw ControllerVersionError(version: live.version, problem: "is live but not stored in \(store.name)")
            }
            install(
                try ControllerParameters.decode(
                    Data(record.parametersJSON.utf8),
                    source: "controller \(live.version) of \(store.name)",
                    catalog: current.catalog,
                    embedder: embedder
                )
            )
        }
        logger.info("live controller changed", metadata: ["version": "\(live.version)", "reason": "\(live.reason.rawValue)"])
        return live.version
    }

    /// Polls the store every `interval` until the task is cancelled; a failed poll is logged and tried again at the next.
    public func follow(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                try await refresh()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("cannot read the live controller", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
