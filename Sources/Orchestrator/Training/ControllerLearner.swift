import Foundation
import Logging

/// Retrains the controller from the trace store while a server serves (`serve --learn`), and promotes a candidate only
/// when the promotion guard finds it better than the live one on recent scored runs it was not trained on.
///
/// Every `everyScoredRuns` newly scored runs (an expected answer, a recorded outcome or feedback), or every
/// `everySeconds` when any came, it reads the newest `window` scored runs of the catalogue and holds out the newest of
/// them the live controller planned (up to `heldOutShare` of the window). On the rest it values every plan whose
/// agents answer independently on the answers the runs' agents gave (`TraceStore.loggedOutcomes`, `PlanValuation`:
/// off-policy, nothing is run) into a plan table, each plan valued pessimistically on the tasks where all its models
/// answered (`support`), with the escalation judge and the outcome model refitted on the same answers. It compares the candidate with the live
/// controller on the held-out runs (`PromotionGuard`), stores it with the evidence and, when the guard says so, records
/// the promotion and installs it. A candidate the live controller's runs cannot judge — its estimated gain is worth a
/// change but unsure, because the live controller seldom asks the models it would — goes on trial as a canary: it plans
/// `canaryShare` of this process's requests (chosen by their seed) until its own runs, against the live controller's of
/// the same time, show it better (promoted), surely worse or no better within `canaryLimit` runs (given up). One
/// candidate is on trial at a time; the rounds go on meanwhile, and one the guard promotes ends the trial. Requests
/// never wait for the learner: it runs beside them.
public actor ControllerLearner {
    /// When and how to learn.
    public struct Options: Sendable {
        public var everyScoredRuns: Int
        public var everySeconds: Double
        /// No candidate is trained before this many scored runs are stored.
        public var minimumRuns: Int
        /// The newest scored runs read at each round.
        public var window: Int
        /// The share of them, newest first, held out for the guard.
        public var heldOutShare: Double
        public var training: PolicyTrainer.Options
        /// How many runs a plan must have been played on, and how pessimistically it is valued.
        public var support: PlanTable.Support
        /// The share of requests a promising candidate plans while on trial (0: no trials), and the most runs a trial
        /// may take before it is given up.
        public var canaryShare: Double
        public var canaryLimit: Int
        /// How often the store's count of scored runs is read.
        public var pollInterval: Duration

        public init(
            everyScoredRuns: Int = 200,
            everySeconds: Double = 600,
            minimumRuns: Int = 200,
            window: Int = 4000,
            heldOutShare: Double = 0.3,
            training: PolicyTrainer.Options = PolicyTrainer.Options(),
            support: PlanTable.Support = PlanTable.Support(minimumShare: 0, minimumTasks: 30, pessimism: 1),
            canaryShare: Double = 0.2,
            canaryLimit: Int = 100,
            pollInterval: Duration = .seconds(2)
        ) {
            self.everyScoredRuns = everyScoredRuns
            self.everySeconds = everySeconds
            self.minimumRuns = minimumRuns
            self.window = window
            self.heldOutShare = heldOutShare
            self.training = training
            self.support = support
            self.canaryShare = canaryShare
            self.canaryLimit = canaryLimit
            self.pollInterval = pollInterval
        }
    }

    /// One round: the candidate, what the guard found, and whether it went live.
    public struct Round: Sendable {
        public var candidate: String
        public var evidence: PromotionEvidence
        public var seconds: Double
    }

    let orchestrator: Orchestrator
    let live: LiveController
    let options: Options
    let promotionGuard: PromotionGuard
    let logger: Logger
    /// The scored runs counted at the last round.
    private var scoredAtLastRound = 0
    private var lastRound = ContinuousClock.now
    /// A candidate on trial: its parameters, when the trial began, the runs it was trained on, and the guard's evidence
    /// that put it on trial.
    struct Trial: Sendable {
        var candidate: ControllerParameters
        var since: Date
        var trainedOnRuns: Int
        var evidence: PromotionEvidence
    }

    private var trial: Trial?
    /// Rounds made and candidates promoted by this learner.
    public private(set) var rounds = 0
    public private(set) var promotions = 0

    /// `orchestrator` gives the catalogue, the store and the untrained controller training starts from; `live` is the
    /// controller requests plan with, which a promotion replaces.
    public init(orchestrator: Orchestrator, live: LiveController, options: Options, logger: Logger) {
        self.orchestrator = orchestrator
        self.live = live
        self.options = options
        self.logger = logger
        promotionGuard = PromotionGuard(costWeight: options.training.costWeight, seed: options.training.seed)
    }

    /// Learns until the task is cancelled; a failed round is logged and the next one tried as scheduled.
    public func run() async {
        while !Task.isCancelled {
            do {
                if try await isDue() { _ = try await round() }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("learning round failed", metadata: ["error": "\(error)"])
                lastRound = .now
            }
            try? await Task.sleep(for: options.pollInterval)
        }
    }

    /// Whether enough newly scored runs (or time with some) have come since the last round.
    func isDue() async throws -> Bool {
        let scored = try await orchestrator.store.scoredRunCount(catalogHash: orchestrator.catalog.hash)
        let fresh = scored - scoredAtLastRound
        logger.debug("learner counted scored runs", metadata: ["scored": "\(scored)", "fresh": "\(fresh)"])
        guard scored >= options.minimumRuns, fresh > 0 else { return false }
        return fresh >= options.everyScoredRuns || (ContinuousClock.now - lastRound) >= .seconds(options.everySeconds)
    }

    /// Fits a candidate on the scored runs of the window but the newest ones the live controller planned, asks the guard
    /// on those, stores the candidate with the evidence and promotes it when the guard says so. Nil when the live
    /// controller has planned too few scored runs to judge a candidate by. `shufflingLabels` (a seed) shuffles the
    /// training answers' labels across all tasks and models first (`withPooledShuffledLabels`): a check that what is
    /// learned comes from them.
    public func round(shufflingLabels seed: UInt64? = nil) async throws -> Round? {
        let clock = ContinuousClock()
        let start = clock.now
        let store = orchestrator.store
        let catalog = orchestrator.catalog
        scoredAtLastRound = try await store.scoredRunCount(catalogHash: catalog.hash)
        lastRound = start
        let plans = try await store.storedPlans(limit: options.window).filter { $0.run.catalogHash == catalog.hash && $0.run.score != nil }
        let liveVersion = live.controller.version
        // A candidate on trial is judged first; promoted, it is the live controller the next candidate must beat.
        if let trial, let judged = try await judge(trial, on: plans, liveVersion: liveVersion, started: start), judged.evidence.promote {
            return judged
        }
        // The newest runs of the live controller are held out for the guard; every other run is trained on.
        let heldOutLimit = Int((Double(plans.count) * options.heldOutShare).rounded())
        let heldOut = Array(plans.reversed().filter { $0.run.controllerVersion == liveVersion }.prefix(heldOutLimit).reversed())
        guard heldOut.count >= promotionGuard.minimumRuns else { return nil }
        let heldOutIDs = Set(heldOut.map(\.run.id))
        let training = plans.filter { !heldOutIDs.contains($0.run.id) }
        var answers = try await store.loggedOutcomes(of: training, fleet: catalog.fleet)
        if let seed { answers = answers.withPooledShuffledLabels(seed: seed) }
        var seen: Set<String> = []
        let tasks = training.map(\.task).filter { seen.insert($0.query).inserted }
        let trainer = PolicyTrainer(orchestrator: orchestrator, options: options.training)
        // The supervised parts refitted on the same answers: the judge the cascades escalate by, the outcome model.
        let labelled = LabelledAnswers(recorded: answers, fleet: catalog.fleet)
        let (candidate, _, valued) = await trainer.trainWithFullInformation(
            tasks,
            outcomes: answers,
            judge: labelled.judge(fleet: catalog.fleet),
            outcomeModel: labelled.outcomeModel(fleet: catalog.fleet),
            support: options.support
        )
        let evidence = promotionGuard.compare(
            candidate: candidate,
            liveVersion: liveVersion,
            heldOut: heldOut,
            outcomes: try await store.loggedOutcomes(of: heldOut, fleet: catalog.fleet),
            trainedOnRuns: valued,
            catalog: catalog,
            policy: orchestrator.verification
        )
        rounds += 1
        try await store.recordControllerVersion(
            candidate,
            origin: "learned",
            trainedOnRuns: valued,
            evidence: evidence,
            verdict: evidence.promote ? "promoted" : trial == nil && isPromising(evidence) ? "canary" : "rejected"
        )
        if evidence.promote {
            try await promote(candidate, evidence: evidence)
        } else if trial == nil, isPromising(evidence) {
            // Its own runs will tell what the live controller's cannot.
            trial = Trial(candidate: candidate, since: Date(), trainedOnRuns: valued, evidence: evidence)
            live.setCanary(candidate, share: options.canaryShare)
        }
        let seconds = (clock.now - start).milliseconds / 1000
        logger.info(
            "learning round",
            metadata: [
                "verdict": "\(evidence.summary)", "canary": "\(trial?.candidate.version ?? "none")", "seconds": "\(String(format: "%.2f", seconds))",
            ]
        )
        return Round(candidate: candidate.version, evidence: evidence, seconds: seconds)
    }

    /// Whether a candidate the guard could not promote goes on trial: its estimated gain is worth a change but rests on
    /// too few of the live controller's runs, or is not sure yet (the live controller seldom asks the models it would).
    func isPromising(_ evidence: PromotionEvidence) -> Bool {
        options.canaryShare > 0 && evidence.gain >= promotionGuard.minimumGain
            && evidence.candidate.effectiveRuns >= Double(promotionGuard.minimumRuns) / 3
    }

    /// Records a promotion, installs the candidate (which ends any trial: another candidate on trial is recorded as
    /// superseded) and counts it.
    func promote(_ candidate: ControllerParameters, evidence: PromotionEvidence) async throws {
        try await orchestrator.store.promoteController(
            candidate.version,
            catalogHash: orchestrator.catalog.hash,
            reason: .guarded,
            evidence: evidence
        )
        live.install(candidate)
        promotions += 1
        if let ended = trial, ended.candidate.version != candidate.version {
            try await orchestrator.store.updateControllerVerdict(ended.candidate.version, verdict: "superseded", evidence: ended.evidence)
        }
        trial = nil
    }

    /// Judges the candidate on trial by its own runs since the trial began against the live controller's: promoted
    /// when the guard says so, given up when it is surely worse or has had `canaryLimit` runs, else left on trial. Nil
    /// until it has had `minimumRuns` runs.
    func judge(
        _ trial: Trial,
        on plans: [StoredPlan],
        liveVersion: String,
        started: ContinuousClock.Instant
    ) async throws -> Round? {
        let costWeight = options.training.costWeight
        let recent = plans.filter { $0.run.startedAt >= trial.since }
        let own = recent.filter { $0.run.controllerVersion == trial.candidate.version }
        guard own.count >= promotionGuard.minimumRuns else { return nil }
        let evidence = promotionGuard.compareCanary(
            candidateVersion: trial.candidate.version,
            candidateUtilities: own.map { $0.run.utility(costWeight: costWeight) },
            liveVersion: liveVersion,
            liveUtilities: recent.filter { $0.run.controllerVersion == liveVersion }.map {
                $0.run.utility(costWeight: costWeight)
            },
            trainedOnRuns: trial.trainedOnRuns
        )
        rounds += 1
        if evidence.promote {
            try await promote(trial.candidate, evidence: evidence)
            try await orchestrator.store.updateControllerVerdict(trial.candidate.version, verdict: "promoted", evidence: evidence)
        } else if evidence.gainHigh < 0 || Int(evidence.candidate.effectiveRuns) >= options.canaryLimit {
            self.trial = nil
            live.setCanary(nil)
            try await orchestrator.store.updateControllerVerdict(trial.candidate.version, verdict: "rejected", evidence: evidence)
        }
        logger.info("canary judged", metadata: ["verdict": "\(evidence.summary)"])
        return Round(candidate: trial.candidate.version, evidence: evidence, seconds: (ContinuousClock.now - started).milliseconds / 1000)
    }
}
