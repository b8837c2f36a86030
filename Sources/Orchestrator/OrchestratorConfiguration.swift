/// How an `Orchestrator` is set up. Every field has a default.
public struct OrchestratorConfiguration: Sendable {
    /// The folder holding `roles/`, `topologies/` and `fleets/`.
    public var workflowsDirectory: String
    /// The fleet file; nil for `fleets/simulated.json` inside the workflows folder.
    public var fleetPath: String?
    /// The trace store: a SQLite path or a `postgres://` URL (`TraceDatabaseLocation`); nil keeps traces in memory only.
    public var databasePath: String?
    /// Greedy or sampled choices, and the softmax temperature.
    public var controller: ControllerSettings
    /// A trained controller's parameters (see `ControllerParameters.load`); nil plans with the prior.
    public var controllerParameters: ControllerParameters?
    /// The most tokens any one reply may have.
    public var maxOutputTokens: Int
    /// Retries, backoff and fallback for failed calls.
    public var retryPolicy: RetryPolicy
    /// How messages between agents are checked before a neighbour sees them.
    public var verification: VerificationPolicy
    /// When a cascade's next level runs; its judge is the controller's (`ControllerParameters.escalationJudge`).
    public var escalation: EscalationPolicy.Rule
    /// The longest a finished message (or any other event of a run) waits to be written to the trace store:
    /// a run's events are written together, in one transaction when it ends and whenever the oldest unwritten one
    /// has waited this long. Zero writes each event as soon as it happens.
    public var traceFlushDelay: Duration
    /// Where each run's spans go as it ends (OTLP/HTTP); nil sends none.
    public var otlpExporter: OTLPExporter?

    /// The default `traceFlushDelay`.
    public static let defaultTraceFlushDelay = Duration.milliseconds(200)

    /// The default trace database, relative to the working directory.
    public static let defaultDatabasePath = "Traces/traces.sqlite"

    public init(
        workflowsDirectory: String = "Workflows",
        fleetPath: String? = nil,
        databasePath: String? = OrchestratorConfiguration.defaultDatabasePath,
        controller: ControllerSettings = ControllerSettings(),
        maxOutputTokens: Int = 512,
        retryPolicy: RetryPolicy = RetryPolicy(),
        verification: VerificationPolicy = .check,
        controllerParameters: ControllerParameters? = nil,
        escalation: EscalationPolicy.Rule = .costWeight(EscalationPolicy.defaultCostWeight),
        traceFlushDelay: Duration = OrchestratorConfiguration.defaultTraceFlushDelay,
        otlpExporter: OTLPExporter? = nil
    ) {
        self.otlpExporter = otlpExporter
        self.workflowsDirectory = workflowsDirectory
        self.fleetPath = fleetPath
        self.databasePath = databasePath
        self.controller = controller
        self.maxOutputTokens = maxOutputTokens
        self.retryPolicy = retryPolicy
        self.verification = verification
        self.controllerParameters = controllerParameters
        self.escalation = escalation
        self.traceFlushDelay = traceFlushDelay
    }
}
