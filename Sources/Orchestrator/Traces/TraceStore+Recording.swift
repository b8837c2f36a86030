import Foundation
import GRDB

extension TraceStore {
    /// Records the start of a run (status `running`).
    public func beginRun(_ run: RunRecord) async throws {
        try await writer.write { db in
            try run.insert(db)
        }
    }

    /// Records a plan: its decisions and its agents, in one transaction.
    public func recordPlan(runID: String, plan: Plan, agentSpanIDs: [String]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let decisions = try plan.decisions.enumerated().map { sequence, decision in
            DecisionRecord(
                runID: runID,
                sequence: sequence,
                stage: decision.stage.rawValue,
                position: decision.position,
                chosen: decision.chosen,
                probability: decision.probability,
                logProbability: decision.logProbability,
                pinned: decision.pinned,
                candidatesJSON: String(decoding: try encoder.encode(decision.candidates), as: UTF8.self)
            )
        }
        let agents = try plan.agents.map { agent in
            AgentRecord(
                runID: runID,
                agentIndex: agent.index,
                role: agent.role,
                model: agent.model,
                fallbackModelsJSON: String(decoding: try encoder.encode(agent.fallbackModels), as: UTF8.self),
                spanID: agentSpanIDs[agent.index]
            )
        }
        let logProbability = plan.logProbability
        try await writer.write { db in
            for decision in decisions { try decision.insert(db) }
            for agent in agents { try agent.insert(db) }
            try db.execute(
                sql: "UPDATE runs SET topology = ?, agentCount = ?, planLogProbability = ? WHERE id = ?",
                arguments: [plan.topology, plan.agents.count, logProbability, runID]
            )
        }
    }

    /// Records a finished call and the deliveries it was given, in one transaction; returns the message's id.
    public func recordMessage(_ message: MessageRecord, deliveries: [DeliveryRecord]) async throws -> Int64 {
        try await writer.write { db in
            var message = message
            try message.insert(db)
            for var delivery in deliveries {
                try delivery.insert(db)
            }
            return message.id ?? 0
        }
    }

    /// Records how a run ended.
    public func finishRun(_ run: RunRecord) async throws {
        try await writer.write { db in
            try run.update(db)
        }
    }
}
