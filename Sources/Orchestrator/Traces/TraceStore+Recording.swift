import Foundation
import GRDB

extension TraceStore {
    /// Records the start of a run (status `running`).
    public func beginRun(_ run: RunRecord) async throws {
        try await writer.write { db in
            try run.insert(db)
        }
    }

    /// Records a plan: its decisions, its agents and the plan itself, in one transaction; returns the plan's
    /// JSON as written to `runs.planJSON` (without its decisions, which have their own rows).
    @discardableResult
    public func recordPlan(runID: String, plan: Plan, agentSpanIDs: [String]) async throws -> String {
        var shape = plan
        shape.decisions = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let planJSON = String(decoding: try encoder.encode(shape), as: UTF8.self)
        let decisions = plan.decisions.enumerated().map { sequence, decision in
            DecisionRecord(
                runID: runID,
                sequence: sequence,
                stage: decision.stage.rawValue,
                position: decision.position,
                chosen: decision.chosen,
                probability: decision.probability,
                logProbability: decision.logProbability,
                pinned: decision.pinned,
                candidatesJSON: JSONText.candidates(decision.candidates)
            )
        }
        let agents = plan.agents.map { agent in
            AgentRecord(
                runID: runID,
                agentIndex: agent.index,
                role: agent.role,
                model: agent.model,
                fallbackModelsJSON: JSONText.strings(agent.fallbackModels),
                spanID: agentSpanIDs[agent.index]
            )
        }
        let logProbability = plan.logProbability
        try await writer.write { db in
            for decision in decisions { try decision.insert(db) }
            for agent in agents { try agent.insert(db) }
            try db.execute(
                sql: "UPDATE runs SET topology = ?, agentCount = ?, planLogProbability = ?, planJSON = ? WHERE id = ?",
                arguments: [plan.topology, plan.agents.count, logProbability, planJSON, runID]
            )
        }
        return planJSON
    }

    /// Records agents of a run that has no controller plan (an AgentsNet run), in one transaction.
    public func recordAgents(_ agents: [AgentRecord]) async throws {
        try await writer.write { db in
            for agent in agents { try agent.insert(db) }
        }
    }

    /// Records a finished call, the deliveries it was given with their per-receiver verifications, and the
    /// checks of the message itself, in one transaction; returns the message's id.
    public func recordMessage(
        _ message: MessageRecord,
        deliveries: [DeliveryRecord],
        deliveryVerifications: [VerificationRecord] = [],
        checks: [CheckResult] = []
    ) async throws -> Int64 {
        try await writer.write { db in
            let messageID = try message.insertBound(db)
            for delivery in deliveries {
                try delivery.insertBound(db)
            }
            for verification in deliveryVerifications {
                try verification.insertBound(db)
            }
            for check in checks {
                try VerificationRecord(
                    id: nil,
                    runID: message.runID,
                    messageID: messageID,
                    receiverIndex: nil,
                    checkName: check.check.rawValue,
                    outcome: check.outcome.rawValue,
                    detail: check.detail
                ).insertBound(db)
            }
            return messageID
        }
    }

    /// Marks the faulty agents of a run and records the faults on the run; returns the JSON written to
    /// `runs.faultsJSON`.
    @discardableResult
    public func recordFaults(runID: String, faults: [InjectedFault]) async throws -> String? {
        let json = try InjectedFault.json(faults)
        try await writer.write { db in
            for fault in faults {
                try db.execute(
                    sql: "UPDATE agents SET fault = ? WHERE runID = ? AND agentIndex = ?",
                    arguments: [fault.kind.rawValue, runID, fault.agent]
                )
            }
            try db.execute(sql: "UPDATE runs SET faultsJSON = ? WHERE id = ?", arguments: [json, runID])
        }
        return json
    }

    /// Records that an agent was cut from the graph from a step on.
    public func recordQuarantine(runID: String, agent: Int, step: Int) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE agents SET quarantinedAtStep = ? WHERE runID = ? AND agentIndex = ?",
                arguments: [step, runID, agent]
            )
        }
    }

    /// Records how a run ended.
    public func finishRun(_ run: RunRecord) async throws {
        try await writer.write { db in
            try run.update(db)
        }
    }
}
