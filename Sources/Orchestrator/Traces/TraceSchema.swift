/// The trace database's tables as data: what every store engine holds, column by column, whatever the engine. The
/// SQLite store builds its tables by its migrations (`TraceStore+Migrations`); a test checks that what they build is
/// exactly this description, so another engine's tables, made from it, hold the same rows under the same names.
enum TraceSchema {
    /// The last migration: the schema version this describes.
    static let version = "v9-controllers"

    /// The table of that name; a name not in the schema is a programming error.
    static func table(named name: String) -> Table {
        guard let table = tables.first(where: { $0.name == name }) else { preconditionFailure("no trace table '\(name)'") }
        return table
    }

    /// A column's type, as SQLite declares it (its affinity follows) and as another engine maps it.
    enum ColumnType: String, Sendable {
        case text = "TEXT"
        case integer = "INTEGER"
        case double = "DOUBLE"
        case boolean = "BOOLEAN"
        /// A UTC timestamp (SQLite keeps `YYYY-MM-DD HH:MM:SS.SSS` text).
        case datetime = "DATETIME"
    }

    struct Column: Sendable, Equatable {
        var name: String
        var type: ColumnType
        var notNull: Bool
        /// The default, as SQL (`0`, `'off'`); nil for none.
        var defaultValue: String? = nil
        /// The table whose row this column names (its `id`, deleted with it); nil for none.
        var references: String? = nil
    }

    struct Table: Sendable {
        var name: String
        /// An integer `id` assigned on insert, counting up (messages, deliveries, verifications, escalations).
        var autoIncrementedID: Bool
        var columns: [Column]
        /// The primary key's columns when the table has no `id` of its own.
        var primaryKey: [String] = []
        /// Single-column indexes.
        var indexed: [String] = []
    }

    private static func text(_ name: String, null: Bool = false, default value: String? = nil) -> Column {
        Column(name: name, type: .text, notNull: !null, defaultValue: value)
    }
    private static func integer(_ name: String, null: Bool = false, default value: String? = nil) -> Column {
        Column(name: name, type: .integer, notNull: !null, defaultValue: value)
    }
    private static func double(_ name: String, null: Bool = false, default value: String? = nil) -> Column {
        Column(name: name, type: .double, notNull: !null, defaultValue: value)
    }
    private static func boolean(_ name: String, null: Bool = false) -> Column {
        Column(name: name, type: .boolean, notNull: !null)
    }
    private static func datetime(_ name: String, null: Bool = false) -> Column {
        Column(name: name, type: .datetime, notNull: !null)
    }
    /// The run a row belongs to.
    private static let runID = Column(name: "runID", type: .text, notNull: true, references: "runs")
    /// The message a row is about.
    private static let messageID = Column(name: "messageID", type: .integer, notNull: true, references: "messages")

    static let tables: [Table] = [
        Table(
            name: "runs",
            autoIncrementedID: false,
            columns: [
                text("id"), text("taskID"), text("query"), text("domain", null: true), text("answerKind"),
                text("expectedAnswer", null: true), text("taskJSON"), text("status"), text("stopReason", null: true),
                text("error", null: true), text("answer", null: true), double("score", null: true), double("costUSD"),
                integer("promptTokens"), integer("completionTokens"), boolean("tokensEstimated"),
                double("latencyMilliseconds", null: true), text("topology", null: true), integer("agentCount", null: true),
                double("planLogProbability", null: true), text("controllerVersion"), text("fleetName"), text("fleetHash"),
                text("catalogHash"), boolean("simulated"), text("seed"), text("traceID"), text("spanID"), integer("processID"),
                text("host"), datetime("startedAt"), datetime("finishedAt", null: true), integer("retries", default: "0"),
                integer("fallbacks", default: "0"), text("verificationPolicy", default: "'off'"), text("faultsJSON", null: true),
                double("propagationRate", null: true), integer("flaggedMessages", default: "0"),
                integer("withheldDeliveries", default: "0"), integer("quarantinedAgents", default: "0"),
                integer("verificationCalls", default: "0"), double("verificationCostUSD", default: "0"),
                double("controllerTemperature", default: "1"), text("planJSON", null: true), text("replayOf", null: true),
                datetime("heartbeatAt", null: true), double("explorationFloor", default: "0"),
            ],
            primaryKey: ["id"],
            indexed: ["status", "startedAt"]
        ),
        Table(
            name: "decisions",
            autoIncrementedID: false,
            columns: [
                runID, integer("sequence"), text("stage"), integer("position", null: true), text("chosen"), double("probability"),
                double("logProbability"), boolean("pinned"), text("candidatesJSON"),
            ],
            primaryKey: ["runID", "sequence"]
        ),
        Table(
            name: "agents",
            autoIncrementedID: false,
            columns: [
                runID, integer("agentIndex"), text("role"), text("model"), text("fallbackModelsJSON"), text("spanID"),
                text("fault", null: true), integer("quarantinedAtStep", null: true),
            ],
            primaryKey: ["runID", "agentIndex"]
        ),
        Table(
            name: "messages",
            autoIncrementedID: true,
            columns: [
                runID, integer("step"), integer("agentIndex"), text("role"), text("model"), text("provider"), text("promptJSON"),
                text("response", null: true), text("answer", null: true), integer("promptTokens"), integer("completionTokens"),
                boolean("tokensEstimated"), double("costUSD"), double("latencyMilliseconds"), integer("attempt"),
                text("error", null: true), datetime("startedAt"), datetime("finishedAt"), text("spanID"), text("parentSpanID"),
                text("fallbackFrom", null: true), text("errorKind", null: true), integer("httpStatus", null: true),
                text("recovery", null: true), text("finishReason", null: true), boolean("recordedCorrect", null: true),
                text("purpose", default: "'turn'"),
            ],
            indexed: ["runID"]
        ),
        Table(
            name: "deliveries",
            autoIncrementedID: true,
            columns: [
                runID, messageID, integer("senderIndex"), integer("receiverIndex"), integer("step"), text("verdict"),
                text("detail", null: true),
            ],
            indexed: ["runID"]
        ),
        Table(
            name: "verifications",
            autoIncrementedID: true,
            columns: [
                runID, messageID, integer("receiverIndex", null: true), text("checkName"), text("outcome"), text("detail"),
            ],
            indexed: ["runID", "messageID"]
        ),
        Table(
            name: "escalations",
            autoIncrementedID: true,
            columns: [
                runID, integer("step"), integer("fromAgent"), integer("toAgent"), text("fromModel"), text("toModel"),
                double("probabilityWrong", null: true), double("threshold", null: true), boolean("escalated"), text("reason"),
            ],
            indexed: ["runID"]
        ),
        // Scores given to runs after they ran (`FeedbackRecord`): a run keeps every one; the latest counts.
        Table(
            name: "feedback",
            autoIncrementedID: true,
            columns: [runID, double("score"), text("note", null: true), datetime("givenAt"), text("source")],
            indexed: ["runID"]
        ),
        // Controllers the store knows (`ControllerVersionRecord`): each trained or imported version with its parameters
        // (the controller file's JSON), so that off-policy training can re-score the runs it planned and a replica can
        // load it; the prior has no row.
        Table(
            name: "controllerVersions",
            autoIncrementedID: false,
            columns: [
                text("version"), text("catalogHash"), datetime("createdAt"), text("parametersJSON"), text("origin"),
                integer("trainedOnRuns", default: "0"), text("evidenceJSON", null: true), text("verdict"),
            ],
            primaryKey: ["version"],
            indexed: ["catalogHash"]
        ),
        // Which version is live, as a history (`ControllerPromotionRecord`): the latest row of a catalogue is live.
        Table(
            name: "controllerPromotions",
            autoIncrementedID: true,
            columns: [
                text("version"), text("catalogHash"), datetime("promotedAt"), text("reason"), text("previousVersion", null: true),
                text("evidenceJSON", null: true),
            ],
            indexed: ["catalogHash"]
        ),
        // Bookkeeping of the writer, not a trace: how many of a run's batches of events are written (`RunWriteMark`).
        // No reference to the run: a batch's mark is claimed before the batch writes the run's row.
        Table(
            name: "runWrites",
            autoIncrementedID: false,
            columns: [text("runID"), integer("batches"), text("messageIDs")],
            primaryKey: ["runID"]
        ),
    ]
}
