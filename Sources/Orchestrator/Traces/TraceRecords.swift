import Foundation
import GRDB

/// A row of `runs`: one task's run from start to end.
public struct RunRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"

    public var id: String
    public var taskID: String
    public var query: String
    public var domain: String?
    public var answerKind: String
    public var expectedAnswer: String?
    public var taskJSON: String
    public var status: RunStatus
    public var stopReason: String?
    public var error: String?
    public var answer: String?
    public var score: Double?
    public var costUSD: Double
    public var promptTokens: Int
    public var completionTokens: Int
    public var tokensEstimated: Bool
    public var latencyMilliseconds: Double?
    public var topology: String?
    public var agentCount: Int?
    public var planLogProbability: Double?
    public var controllerVersion: String
    public var fleetName: String
    public var fleetHash: String
    public var catalogHash: String
    public var simulated: Bool
    /// The run's seed, as decimal text (SQLite integers are signed 64-bit).
    public var seed: String
    public var traceID: String
    public var spanID: String
    public var processID: Int
    public var host: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// Calls retried after a retryable failure.
    public var retries: Int = 0
    /// Calls that went to a fallback model.
    public var fallbacks: Int = 0
    /// The verification policy of the run: `off`, `check` or `check+quarantine`.
    public var verificationPolicy: String = VerificationPolicy.off.rawValue
    /// The faults injected, as JSON `[{"agent", "kind", "answer"}]`; nil for a normal run.
    public var faultsJSON: String?
    /// The share of honest agents whose final answer is an injected wrong answer (or, for garbage, none at all).
    public var propagationRate: Double?
    /// Messages that failed a check or could not be vouched for.
    public var flaggedMessages: Int = 0
    /// Deliveries withheld from their receiver (failed checks, quarantined senders).
    public var withheldDeliveries: Int = 0
    /// Agents cut from the graph for repeated failures.
    public var quarantinedAgents: Int = 0
    /// Extra model calls spent on verification (re-asks after a parse failure).
    public var verificationCalls: Int = 0
    /// What those calls cost.
    public var verificationCostUSD: Double = 0
    /// The controller's softmax temperature when it planned the run (off-policy training needs it).
    public var controllerTemperature: Double = 1
    /// The plan as JSON (`Plan`), so that the run can be replayed exactly; nil before the plan, or for runs
    /// recorded before schema v4.
    public var planJSON: String? = nil
    /// For a replay (`orchestrate replay --rerun`), the run it replays.
    public var replayOf: String? = nil
    /// The share of each decision's probability the controller spread evenly over its candidates when it planned the run
    /// (`serve --learn` keeps a floor under exploration); the recorded probabilities include it.
    public var explorationFloor: Double = 0
}

/// A row of `decisions`: one controller decision of a run.
public struct DecisionRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "decisions"

    public var runID: String
    public var sequence: Int
    public var stage: String
    public var position: Int?
    public var chosen: String
    public var probability: Double
    public var logProbability: Double
    public var pinned: Bool
    /// The candidate distribution as JSON: `[{"name", "probability"}]`.
    public var candidatesJSON: String
}

/// A row of `agents`: one agent of a run's plan.
public struct AgentRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "agents"

    public var runID: String
    public var agentIndex: Int
    public var role: String
    public var model: String
    /// The fallback models as a JSON array, best first.
    public var fallbackModelsJSON: String
    public var spanID: String
    /// The kind of fault injected into this agent, when it is faulty.
    public var fault: String? = nil
    /// The step from which the agent was quarantined, when it was.
    public var quarantinedAtStep: Int? = nil
}

/// A row of `messages`: one model call of an agent in a step, and what it said.
public struct MessageRecord: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "messages"

    public var id: Int64?
    public var runID: String
    public var step: Int
    public var agentIndex: Int
    public var role: String
    public var model: String
    public var provider: String
    /// The chat sent, as JSON `[{"role", "content"}]`.
    public var promptJSON: String
    public var response: String?
    public var answer: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var tokensEstimated: Bool
    public var costUSD: Double
    public var latencyMilliseconds: Double
    public var attempt: Int
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date
    public var spanID: String
    public var parentSpanID: String
    /// The planned model this call fell back from, when it is a fallback.
    public var fallbackFrom: String?
    /// The `ProviderError` kind (or `deadline`) of a failed call.
    public var errorKind: String?
    /// The HTTP status of a failed call, when it had one.
    public var httpStatus: Int?
    /// What the executor did after a failed call: the retry and its wait, the fallback, or giving up.
    public var recovery: String?
    /// Why generation stopped, as the provider said.
    public var finishReason: String?
    /// For recorded outcomes that keep only a judgement: whether the recorded answer was correct.
    public var recordedCorrect: Bool?
    /// Why the call was made: `turn` (the agent's step), `re-ask` (verification asked again after a parse
    /// failure) or `fault` (an injected faulty agent's message; no model was called).
    public var purpose: String = MessagePurpose.turn.rawValue

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `deliveries`: a message delivered to a receiving agent before it acted.
public struct DeliveryRecord: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "deliveries"

    public var id: Int64?
    public var runID: String
    public var messageID: Int64
    public var senderIndex: Int
    public var receiverIndex: Int
    public var step: Int
    /// What verification said of the message for this receiver (see `DeliveryVerdict`).
    public var verdict: String
    /// Why, for a verdict other than `verified` or `unchecked`.
    public var detail: String? = nil

    public init(
        id: Int64? = nil,
        runID: String,
        messageID: Int64,
        senderIndex: Int,
        receiverIndex: Int,
        step: Int,
        verdict: String,
        detail: String? = nil
    ) {
        self.id = id
        self.runID = runID
        self.messageID = messageID
        self.senderIndex = senderIndex
        self.receiverIndex = receiverIndex
        self.step = step
        self.verdict = verdict
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Why a message row exists.
public enum MessagePurpose: String, Sendable, Codable {
    /// An agent's turn in a step.
    case turn
    /// Verification asked the sender again after its message had no readable answer.
    case reAsk = "re-ask"
    /// An injected fault's message; no model was called.
    case fault
}

/// A row of `verifications`: what one check said of one message, for all receivers or for one.
public struct VerificationRecord: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "verifications"

    public var id: Int64?
    public var runID: String
    public var messageID: Int64
    /// The receiver, for checks that depend on it (consistency); nil for checks of the message itself.
    public var receiverIndex: Int?
    /// The check (`CheckResult.Check`); not named `check`, an SQL keyword.
    public var checkName: String
    /// `passed`, `failed`, `unsupported`, `skipped` or `disputed`.
    public var outcome: String
    public var detail: String

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension MessageRecord {
    /// A message with no usage, cost, latency or error yet: the fields every row needs, the rest at their zero.
    public init(
        runID: String,
        step: Int,
        agentIndex: Int,
        role: String,
        model: String,
        provider: String,
        promptJSON: String,
        parentSpanID: String,
        purpose: MessagePurpose
    ) {
        let now = Date()
        self.init(
            id: nil,
            runID: runID,
            step: step,
            agentIndex: agentIndex,
            role: role,
            model: model,
            provider: provider,
            promptJSON: promptJSON,
            response: nil,
            answer: nil,
            promptTokens: 0,
            completionTokens: 0,
            tokensEstimated: false,
            costUSD: 0,
            latencyMilliseconds: 0,
            attempt: 1,
            error: nil,
            startedAt: now,
            finishedAt: now,
            spanID: TraceIDs.spanID(),
            parentSpanID: parentSpanID,
            purpose: purpose.rawValue
        )
    }
}

extension RunRecord {
    /// A run that has just started (status `running`): nothing spent, nothing answered, this process and host.
    public init(
        id: String,
        taskID: String,
        query: String,
        domain: String?,
        answerKind: String,
        expectedAnswer: String?,
        taskJSON: String,
        controllerVersion: String,
        fleetName: String,
        fleetHash: String,
        catalogHash: String,
        simulated: Bool,
        seed: UInt64,
        verificationPolicy: VerificationPolicy
    ) {
        self.init(
            id: id,
            taskID: taskID,
            query: query,
            domain: domain,
            answerKind: answerKind,
            expectedAnswer: expectedAnswer,
            taskJSON: taskJSON,
            status: .running,
            stopReason: nil,
            error: nil,
            answer: nil,
            score: nil,
            costUSD: 0,
            promptTokens: 0,
            completionTokens: 0,
            tokensEstimated: false,
            latencyMilliseconds: nil,
            topology: nil,
            agentCount: nil,
            planLogProbability: nil,
            controllerVersion: controllerVersion,
            fleetName: fleetName,
            fleetHash: fleetHash,
            catalogHash: catalogHash,
            simulated: simulated,
            seed: String(seed),
            traceID: TraceIDs.traceID(),
            spanID: TraceIDs.spanID(),
            processID: Int(ProcessInfo.processInfo.processIdentifier),
            host: ProcessInfo.processInfo.hostName,
            startedAt: Date(),
            finishedAt: nil,
            verificationPolicy: verificationPolicy.rawValue
        )
    }
}
