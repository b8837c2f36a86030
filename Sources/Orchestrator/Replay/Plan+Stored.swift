import Foundation

extension Plan {
    /// The plan of a stored run: as recorded (`runs.planJSON`, with the decisions from their own rows), or, for
    /// runs recorded before plans were stored, rebuilt from its decisions and agents with the catalogue's topology
    /// for rounds and aggregation.
    public static func stored(in trace: RunTrace, task: OrchestrationTask, catalog: Catalog) throws -> Plan {
        let run = trace.run
        let decisions = try storedDecisions(trace)
        if let json = run.planJSON {
            do {
                var plan = try JSONDecoder().decode(Plan.self, from: Data(json.utf8))
                plan.decisions = decisions
                return plan
            } catch {
                throw ReplayError(runID: run.id, message: "its stored plan cannot be read (\(error))")
            }
        }
        guard let name = run.topology, !trace.agents.isEmpty else {
            throw ReplayError(runID: run.id, message: "it has no plan (status \(run.status.rawValue)\(run.error.map { ": \($0)" } ?? ""))")
        }
        guard let topology = catalog.topology(named: name) else {
            throw ReplayError(runID: run.id, message: "its topology '\(name)' is not in the catalogue")
        }
        let decoder = JSONDecoder()
        let agents = try trace.agents.map { agent in
            PlannedAgent(
                index: agent.agentIndex,
                role: agent.role,
                model: agent.model,
                fallbackModels: try decoder.decode([String].self, from: Data(agent.fallbackModelsJSON.utf8))
            )
        }
        let profile = QueryProfile(query: task.query)
        return Plan(
            topology: topology.name,
            agents: agents,
            rounds: topology.rounds(within: task.budget),
            aggregation: topology.aggregation,
            domain: task.domain ?? profile.inferredDomain,
            difficulty: profile.difficulty,
            decisions: decisions,
            controllerVersion: run.controllerVersion,
            selection: .greedy
        )
    }
}

extension Plan {
    /// A stored run's decisions, rebuilt from their rows.
    static func storedDecisions(_ trace: RunTrace) throws -> [Decision] {
        let decoder = JSONDecoder()
        return try trace.decisions.map { record in
            do {
                return try record.decision(using: decoder)
            } catch let error as StoredDecisionError {
                throw ReplayError(runID: trace.run.id, message: error.description)
            }
        }
    }
}

/// A stored run that cannot be replayed, and why.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public var runID: String
    public var message: String

    public var description: String { "run \(runID) cannot be replayed: \(message)" }
}
