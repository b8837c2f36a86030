import GRDB

extension TraceStore {
    /// All schema versions, in order. Never edit a released migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs-decisions-agents-messages") { db in
            try db.create(table: "runs") { table in
                table.primaryKey("id", .text)
                table.column("taskID", .text).notNull()
                table.column("query", .text).notNull()
                table.column("domain", .text)
                table.column("answerKind", .text).notNull()
                table.column("expectedAnswer", .text)
                table.column("taskJSON", .text).notNull()
                table.column("status", .text).notNull().indexed()
                table.column("stopReason", .text)
                table.column("error", .text)
                table.column("answer", .text)
                table.column("score", .double)
                table.column("costUSD", .double).notNull()
                table.column("promptTokens", .integer).notNull()
                table.column("completionTokens", .integer).notNull()
                table.column("tokensEstimated", .boolean).notNull()
                table.column("latencyMilliseconds", .double)
                table.column("topology", .text)
                table.column("agentCount", .integer)
                table.column("planLogProbability", .double)
                table.column("controllerVersion", .text).notNull()
                table.column("fleetName", .text).notNull()
                table.column("fleetHash", .text).notNull()
                table.column("catalogHash", .text).notNull()
                table.column("simulated", .boolean).notNull()
                table.column("seed", .text).notNull()
                table.column("traceID", .text).notNull()
                table.column("spanID", .text).notNull()
                table.column("processID", .integer).notNull()
                table.column("host", .text).notNull()
                table.column("startedAt", .datetime).notNull().indexed()
                table.column("finishedAt", .datetime)
            }
            try db.create(table: "decisions") { table in
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                table.column("sequence", .integer).notNull()
                table.column("stage", .text).notNull()
                table.column("position", .integer)
                table.column("chosen", .text).notNull()
                table.column("probability", .double).notNull()
                table.column("logProbability", .double).notNull()
                table.column("pinned", .boolean).notNull()
                table.column("candidatesJSON", .text).notNull()
                table.primaryKey(["runID", "sequence"])
            }
            try db.create(table: "agents") { table in
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                table.column("agentIndex", .integer).notNull()
                table.column("role", .text).notNull()
                table.column("model", .text).notNull()
                table.column("fallbackModelsJSON", .text).notNull()
                table.column("spanID", .text).notNull()
                table.primaryKey(["runID", "agentIndex"])
            }
            try db.create(table: "messages") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade).indexed()
                table.column("step", .integer).notNull()
                table.column("agentIndex", .integer).notNull()
                table.column("role", .text).notNull()
                table.column("model", .text).notNull()
                table.column("provider", .text).notNull()
                table.column("promptJSON", .text).notNull()
                table.column("response", .text)
                table.column("answer", .text)
                table.column("promptTokens", .integer).notNull()
                table.column("completionTokens", .integer).notNull()
                table.column("tokensEstimated", .boolean).notNull()
                table.column("costUSD", .double).notNull()
                table.column("latencyMilliseconds", .double).notNull()
                table.column("attempt", .integer).notNull()
                table.column("error", .text)
                table.column("startedAt", .datetime).notNull()
                table.column("finishedAt", .datetime).notNull()
                table.column("spanID", .text).notNull()
                table.column("parentSpanID", .text).notNull()
            }
            try db.create(table: "deliveries") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade).indexed()
                table.column("messageID", .integer).notNull().references("messages", onDelete: .cascade)
                table.column("senderIndex", .integer).notNull()
                table.column("receiverIndex", .integer).notNull()
                table.column("step", .integer).notNull()
                table.column("verdict", .text).notNull()
            }
        }
        migrator.registerMigration("v2-message-recovery") { db in
            try db.alter(table: "messages") { table in
                table.add(column: "fallbackFrom", .text)
                table.add(column: "errorKind", .text)
                table.add(column: "httpStatus", .integer)
                table.add(column: "recovery", .text)
                table.add(column: "finishReason", .text)
                table.add(column: "recordedCorrect", .boolean)
            }
            try db.alter(table: "runs") { table in
                table.add(column: "retries", .integer).notNull().defaults(to: 0)
                table.add(column: "fallbacks", .integer).notNull().defaults(to: 0)
            }
        }
        migrator.registerMigration("v3-verification-faults") { db in
            try db.create(table: "verifications") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade).indexed()
                table.column("messageID", .integer).notNull().references("messages", onDelete: .cascade).indexed()
                table.column("receiverIndex", .integer)
                table.column("checkName", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("detail", .text).notNull()
            }
            try db.alter(table: "deliveries") { table in
                table.add(column: "detail", .text)
            }
            try db.alter(table: "messages") { table in
                table.add(column: "purpose", .text).notNull().defaults(to: "turn")
            }
            try db.alter(table: "agents") { table in
                table.add(column: "fault", .text)
                table.add(column: "quarantinedAtStep", .integer)
            }
            try db.alter(table: "runs") { table in
                table.add(column: "verificationPolicy", .text).notNull().defaults(to: "off")
                table.add(column: "faultsJSON", .text)
                table.add(column: "propagationRate", .double)
                table.add(column: "flaggedMessages", .integer).notNull().defaults(to: 0)
                table.add(column: "withheldDeliveries", .integer).notNull().defaults(to: 0)
                table.add(column: "quarantinedAgents", .integer).notNull().defaults(to: 0)
                table.add(column: "verificationCalls", .integer).notNull().defaults(to: 0)
                table.add(column: "verificationCostUSD", .double).notNull().defaults(to: 0)
                table.add(column: "controllerTemperature", .double).notNull().defaults(to: 1)
            }
        }
        migrator.registerMigration("v4-plans-replays") { db in
            try db.alter(table: "runs") { table in
                table.add(column: "planJSON", .text)
                table.add(column: "replayOf", .text)
            }
        }
        migrator.registerMigration("v5-escalations") { db in
            try db.create(table: "escalations") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade).indexed()
                table.column("step", .integer).notNull()
                table.column("fromAgent", .integer).notNull()
                table.column("toAgent", .integer).notNull()
                table.column("fromModel", .text).notNull()
                table.column("toModel", .text).notNull()
                table.column("probabilityWrong", .double)
                table.column("threshold", .double)
                table.column("escalated", .boolean).notNull()
                table.column("reason", .text).notNull()
            }
        }
        migrator.registerMigration("v6-heartbeats") { db in
            try db.alter(table: "runs") { table in
                table.add(column: "heartbeatAt", .datetime)
            }
        }
        migrator.registerMigration("v7-run-writes") { db in
            try db.create(table: "runWrites") { table in
                table.column("runID", .text).notNull()
                table.column("batches", .integer).notNull()
                table.column("messageIDs", .text).notNull()
                table.primaryKey(["runID"])
            }
        }
        migrator.registerMigration("v8-feedback") { db in
            try db.create(table: "feedback") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("runID", .text).notNull().references("runs", onDelete: .cascade).indexed()
                table.column("score", .double).notNull()
                table.column("note", .text)
                table.column("givenAt", .datetime).notNull()
                table.column("source", .text).notNull()
            }
        }
        migrator.registerMigration("v9-controllers") { db in
            try db.alter(table: "runs") { table in
                table.add(column: "explorationFloor", .double).notNull().defaults(to: 0)
            }
            try db.create(table: "controllerVersions") { table in
                table.column("version", .text).notNull()
                table.column("catalogHash", .text).notNull().indexed()
                table.column("createdAt", .datetime).notNull()
                table.column("parametersJSON", .text).notNull()
                table.column("origin", .text).notNull()
                table.column("trainedOnRuns", .integer).notNull().defaults(to: 0)
                table.column("evidenceJSON", .text)
                table.column("verdict", .text).notNull()
                table.primaryKey(["version"])
            }
            try db.create(table: "controllerPromotions") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("version", .text).notNull()
                table.column("catalogHash", .text).notNull().indexed()
                table.column("promotedAt", .datetime).notNull()
                table.column("reason", .text).notNull()
                table.column("previousVersion", .text)
                table.column("evidenceJSON", .text)
            }
        }
        return migrator
    }
}
