import Foundation
import Logging

/// The library's front door: plan a task with the cascaded controller, run the agents, record everything.
///
/// ```swift
/// let orchestrator = try await Orchestrator(configuration: .init(), logger: logger)
/// let task = OrchestrationTask(id: "t1", query: "What is 17 * 23?", expected: .init(value: "391", kind: .number))
/// let result = try await orchestrator.run(task, seed: 7)
/// print(result.answer ?? "no answer", result.runID)
/// ```
public struct Orchestrator: Sendable {
    /// The fleet, roles and topologies in use.
    public let catalog: Catalog
    /// The controller that plans each task.
    public private(set) var controller: CascadedController
    /// Where runs are recorded.
    public let store: TraceStore
    var executor: Executor
    /// How messages between agents are checked in every run.
    public private(set) var verification: VerificationPolicy
    /// When a cascade's next level runs; the judge is the controller's.
    public private(set) var escalation: EscalationPolicy.Rule
    let logger: Logger
    /// Computed once: hashing encodes the whole catalogue.
    let catalogHash: String
    let fleetHash: String
    /// Where each run's spans go as it ends; nil sends none.
    let otlpExporter: OTLPExporter?
    /// What this orchestrator's runs have scored per model and domain, for the prior's exploration.
    public private(set) var evidence = ModelEvidence()

    /// Loads the catalogue from the configured files and opens the trace store.
    public init(configuration: OrchestratorConfiguration, providers: ProviderRegistry = ProviderRegistry(), logger: Logger) async throws {
        let catalog = try CatalogLoader(workflowsDirectory: configuration.workflowsDirectory).load(fleetPath: configuration.fleetPath)
        let store =
            if let database = configuration.databasePath {
                try await TraceStore.open(TraceDatabaseLocation(database, field: "databasePath"), logger: logger)
            } else {
                try TraceStore.inMemory()
            }
        try await self.init(catalog: catalog, store: store, configuration: configuration, providers: providers, logger: logger)
    }

    /// Uses a catalogue and a store you already have.
    public init(
        catalog: Catalog,
        store: TraceStore,
        configuration: OrchestratorConfiguration = OrchestratorConfiguration(),
        providers: ProviderRegistry = ProviderRegistry(),
        embedder: any Embedder = HashingEmbedder(),
        logger: Logger
    ) async throws {
        self.catalog = catalog
        self.store = store
        self.logger = logger
        verification = configuration.verification
        otlpExporter = configuration.otlpExporter
        escalation = configuration.escalation
        catalogHash = catalog.hash
        fleetHash = catalog.fleetHash
        controller = try await CascadedController(
            catalog: catalog,
            embedder: embedder,
            settings: configuration.controller,
            parameters: configuration.controllerParameters
        )
        executor = Executor(
            catalog: catalog,
            providers: providers,
            store: store,
            maxOutputTokens: configuration.maxOutputTokens,
            retryPolicy: configuration.retryPolicy,
            traceFlushDelay: configuration.traceFlushDelay,
            logger: logger
        )
    }

    /// The same orchestrator (catalogue, store, providers) planning with another controller.
    public func with(controller: CascadedController) -> Orchestrator {
        var copy = self
        copy.controller = controller
        return copy
    }

    /// The same orchestrator with nothing seen yet: its prior explores an unknown fleet from scratch.
    public func withFreshEvidence() -> Orchestrator {
        var copy = self
        copy.evidence = ModelEvidence()
        return copy
    }

    /// Waits until every finished run's spans have been sent to the OTLP collector, if there is one (before a process
    /// that ran tasks exits).
    public func flushExports() async {
        await otlpExporter?.flush()
    }

    /// The same orchestrator checking messages under another verification policy.
    public func with(verification: VerificationPolicy) -> Orchestrator {
        var copy = self
        copy.verification = verification
        return copy
    }

    /// The same orchestrator deciding a cascade's escalations by another rule.
    public func with(escalation: EscalationPolicy.Rule) -> Orchestrator {
        var copy = self
        copy.escalation = escalation
        return copy
    }

    /// A parser for task files that checks pinned names against this catalogue.
    public var taskParser: TaskParser { TaskParser(catalog: catalog) }

    /// Plans and runs one task. A run that fails (planning, providers) is still recorded and returned with
    /// its status and error; this throws only when the trace store itself cannot record: `RunNotRecorded`, once the
    /// run has been stopped (its events kept to be written when the store is back).
    /// `progress` is told of each agent's turn as it ends. Cancelling the calling task cancels the run: the calls in
    /// flight are abandoned, no more are made, and the run is recorded `cancelled` with what it did so far.
    public func run(
        _ task: OrchestrationTask,
        seed: UInt64 = 0,
        progress: (@Sendable (AgentProgress) -> Void)? = nil
    ) async throws -> RunResult {
        try await perform(task, seed: seed, replaying: nil, progress: progress)
    }

    /// Runs a task with the controller's plan, or, when replaying, with a stored run's plan (recorded as a
    /// replay of that run).
    func perform(
        _ task: OrchestrationTask,
        seed: UInt64,
        replaying source: ReplaySource?,
        progress: (@Sendable (AgentProgress) -> Void)? = nil
    ) async throws -> RunResult {
        let runID = TraceIDs.runID()
        let clock = ContinuousClock()
        let start = clock.now
        var record = try startRecord(runID: runID, task: task, seed: seed)
        if let source {
            record.controllerVersion = source.plan.controllerVersion
            record.replayOf = source.runID
        }
        let ledger = executor.ledger(runID: runID)
        ledger.begin(record)
        logger.debug("run started", metadata: ["run": "\(runID)", "task": "\(task.id)"])

        var plan: Plan?
        var outcome: Executor.Outcome?
        var faults: [InjectedFault] = []
        var storeFailure: TraceStoreFailure?
        do {
            let made: Plan
            if let source {
                made = source.plan
                record.controllerTemperature = source.controllerTemperature
            } else {
                let domain = task.domain ?? QueryProfile(query: task.query).inferredDomain
                made = try await controller.plan(for: task, seed: seed, evidence: await evidence.snapshot(domain))
                record.controllerTemperature = controller.settings.temperature
                record.explorationFloor = controller.settings.explorationFloor
            }
            plan = made
            record.topology = made.topology
            record.agentCount = made.agents.count
            record.planLogProbability = made.logProbability
            record.planJSON = try ledger.recordPlan(made)
            let (topology, graph) = try executor.layout(made)
            let deadline = task.budget.deadlineSeconds.map { start + .milliseconds($0 * 1000) }
            faults = try FaultInjector.resolve(task.faults, graph: graph, task: task, seed: seed)
            if !faults.isEmpty {
                record.faultsJSON = try ledger.recordFaults(faults)
            }
            let context = Executor.RunContext(
                ledger: ledger,
                seed: seed,
                task: task,
                plan: made,
                topology: topology,
                graph: graph,
                deadline: deadline,
                policy: verification,
                faults: Dictionary(uniqueKeysWithValues: faults.map { ($0.agent, $0) }),
                escalation: EscalationPolicy(rule: escalation, judge: controller.parameters?.escalationJudge),
                progress: progress
            )
            outcome = try await Self.untilStoreFails(ledger) { [executor] in try await executor.execute(context) }
        } catch let failure as TraceStoreFailure {
            storeFailure = failure
            logger.error("run ended: the trace store cannot record it", metadata: ["run": "\(runID)", "error": "\(failure)"])
        } catch {
            record.status = .failed
            record.error = "\(error)"
            logger.error("run failed", metadata: ["run": "\(runID)", "error": "\(error)"])
        }

        if let outcome {
            record.status = outcome.status
            record.stopReason = outcome.stopReason
            record.error = outcome.error
            record.answer = outcome.answer
            record.score = Scorer.score(answer: outcome.answer, expected: task.expected) ?? outcome.recordedCorrect.map { $0 ? 1 : 0 }
            record.record(outcome.tally)
            record.propagationRate = Propagation.rate(faults: faults, finalAnswers: outcome.latestAnswers, agentCount: plan?.agents.count ?? 0)
        } else if task.expected != nil {
            record.score = 0
        }
        if Task.isCancelled {
            record.status = .cancelled
            record.stopReason = nil
            record.error = RunStatus.cancellationReason
        }
        let wall = (clock.now - start).milliseconds
        record.latencyMilliseconds = wall
        record.finishedAt = Date()
        try await finish(record, ledger: ledger, storeFailure: storeFailure)
        await otlpExporter?.submit(runID: runID, from: store)
        await learn(from: record, task: task, plan: plan, outcome: outcome)

        var result = result(of: record, task: task, plan: plan, outcome: outcome, faults: faults)
        result.calls = ledger.calls
        return result
    }

    /// Writes how the run ended. When the store failed during the run, or fails now, the run ends `failed` with the
    /// store's failure as its reason (whatever it answered: an answer that is not recorded is not given), its ledger
    /// is kept to be written when the store is back, and `RunNotRecorded` is thrown.
    private func finish(_ record: RunRecord, ledger: RunLedger, storeFailure: TraceStoreFailure?) async throws {
        let reason: TraceStoreFailure
        if let storeFailure {
            reason = storeFailure
        } else {
            do {
                try await ledger.finish(record)
                return
            } catch {
                reason = TraceStoreFailure.classify(error, engine: store.engineName, store: store.name, operation: "write a run's events")
            }
        }
        var failed = record
        failed.status = .failed
        failed.stopReason = nil
        failed.error = "\(RunNotRecorded.prefix)\(reason)"
        failed.score = nil
        ledger.stageFinish(failed)
        await store.abandonedRuns.keep(ledger)
        throw RunNotRecorded(runID: record.id, failure: reason)
    }

    /// Runs `body` until it ends or the ledger finds the store cannot write, whichever comes first: then `body` is
    /// cancelled (no more model calls for a run that cannot be recorded) and the store's failure thrown.
    static func untilStoreFails<T: Sendable>(_ ledger: RunLedger, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await failure in ledger.storeFailures { throw failure }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }

    /// Counts what a finished run tells of its models: a single agent's score and cost; with an expected answer, each
    /// agent's own answer against it.
    func learn(from record: RunRecord, task: OrchestrationTask, plan: Plan?, outcome: Executor.Outcome?) async {
        guard let plan, let outcome, record.status == .completed else { return }
        if plan.agents.count == 1, let agent = plan.agents.first {
            await evidence.record(domain: plan.domain, model: agent.model, correct: record.score.map { $0 >= 1 }, costUSD: record.costUSD)
            return
        }
        guard let expected = task.expected else { return }
        for agent in plan.agents {
            guard let answer = outcome.latestAnswers[agent.index] else { continue }
            await evidence.record(
                domain: plan.domain,
                model: agent.model,
                correct: Scorer.score(answer: answer, expected: expected) == 1,
                costUSD: nil
            )
        }
    }

    /// A run's result, from its record and what execution produced (nil when nothing ran).
    func result(of record: RunRecord, task: OrchestrationTask, plan: Plan?, outcome: Executor.Outcome?, faults: [InjectedFault]) -> RunResult {
        RunResult(
            runID: record.id,
            taskID: task.id,
            status: record.status,
            stopReason: record.stopReason,
            error: record.error,
            answer: record.answer,
            expected: task.expected.map { AnswerExtractor.normalise($0.value, kind: $0.kind) ?? $0.value },
            score: record.score,
            plan: plan,
            agentAnswers: (plan?.agents ?? []).map {
                RunResult.AgentAnswer(index: $0.index, role: $0.role, model: $0.model, answer: outcome?.latestAnswers[$0.index])
            },
            usage: outcome?.tally.usage ?? TokenUsage(),
            costUSD: record.costUSD,
            wallSeconds: (record.latencyMilliseconds ?? 0) / 1000,
            messageCount: outcome?.tally.calls ?? 0,
            retries: record.retries,
            fallbacks: record.fallbacks,
            verification: RunResult.VerificationSummary(
                policy: verification,
                faults: faults,
                propagationRate: record.propagationRate,
                flaggedMessages: record.flaggedMessages,
                withheldDeliveries: record.withheldDeliveries,
                quarantinedAgents: outcome?.tally.verification.quarantined ?? [],
                calls: record.verificationCalls,
                costUSD: record.verificationCostUSD
            ),
            fleet: catalog.fleet.name,
            simulated: catalog.fleet.isSimulated,
            seed: record.seed,
            escalations: outcome?.escalations ?? []
        )
    }

    private func startRecord(runID: String, task: OrchestrationTask, seed: UInt64) throws -> RunRecord {
        runRecord(runID: runID, task: task, seed: seed, taskJSON: try JSONText.task(task))
    }

    /// The record of a run of `task` that has just started.
    func runRecord(runID: String, task: OrchestrationTask, seed: UInt64, taskJSON: String) -> RunRecord {
        RunRecord(
            id: runID,
            taskID: task.id,
            query: task.query,
            domain: task.domain?.rawValue,
            answerKind: task.answerKind.rawValue,
            expectedAnswer: task.expected?.value,
            taskJSON: taskJSON,
            controllerVersion: controller.version,
            fleetName: catalog.fleet.name,
            fleetHash: fleetHash,
            catalogHash: catalogHash,
            simulated: catalog.fleet.isSimulated,
            seed: seed,
            verificationPolicy: verification
        )
    }
}
