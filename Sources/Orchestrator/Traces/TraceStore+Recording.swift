import Foundation

extension TraceStore {
    /// Records the start of a run (status `running`).
    public func beginRun(_ run: RunRecord) async throws {
        _ = try await write([.runStarted(run)], runID: run.id, known: [:])
    }

    /// Records a plan: its decisions, its agents and the plan itself, in one transaction; returns the plan's
    /// JSON as written to `runs.planJSON` (without its decisions, which have their own rows).
    @discardableResult
    public func recordPlan(runID: String, plan: Plan, agentSpanIDs: [String]) async throws -> String {
        let rows = try PlanRows(runID: runID, plan: plan, agentSpanIDs: agentSpanIDs)
        _ = try await write([.plan(rows)], runID: runID, known: [:])
        return rows.planJSON
    }

    /// The rows of a plan, built before its transaction: its decisions, its agents and the plan's JSON.
    struct PlanRows: Sendable {
        var runID: String
        var topology: String
        var agentCount: Int
        var logProbability: Double
        var planJSON: String
        var decisions: [DecisionRecord]
        var agents: [AgentRecord]

        init(runID: String, plan: Plan, agentSpanIDs: [String]) throws {
            self.runID = runID
            topology = plan.topology
            agentCount = plan.agents.count
            logProbability = plan.logProbability
            planJSON = JSONText.plan(plan)
            decisions = plan.decisions.enumerated().map { sequence, decision in
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
            agents = plan.agents.map { agent in
                AgentRecord(
                    runID: runID,
                    agentIndex: agent.index,
                    role: agent.role,
                    model: agent.model,
                    fallbackModelsJSON: JSONText.strings(agent.fallbackModels),
                    spanID: agentSpanIDs[agent.index]
                )
            }
        }
    }

    /// Records agents of a run that has no controller plan (an AgentsNet run), in one transaction.
    public func recordAgents(_ agents: [AgentRecord]) async throws {
        guard let runID = agents.first?.runID else { return }
        _ = try await write([.agents(agents)], runID: runID, known: [:])
    }

    /// Records a finished call with the deliveries it was given (each naming a recorded message; its receiver and
    /// step are the message's agent and step, and a disputed one gets its consistency verdict) and the checks of the
    /// message itself, in one transaction; returns the message's id.
    public func recordMessage(_ message: MessageRecord, deliveries: [DeliveryRecord], checks: [CheckResult] = []) async throws -> Int64 {
        var known: [TraceEvent.MessageKey: Int64] = [:]
        let receipts = deliveries.enumerated().map { index, delivery in
            let key = TraceEvent.MessageKey(value: -1 - index)
            known[key] = delivery.messageID
            return TraceEvent.Receipt(
                sender: delivery.senderIndex,
                message: key,
                verdict: DeliveryVerdict(rawValue: delivery.verdict) ?? .unchecked,
                detail: delivery.detail
            )
        }
        let key = TraceEvent.MessageKey(value: 0)
        let written = try await write([.message(key: key, row: message, receipts: receipts, checks: checks)], runID: message.runID, known: known)
        guard let id = written[key] else { throw UnknownMessage() }
        return id
    }

    /// Marks the faulty agents of a run and records the faults on the run; returns the JSON written to
    /// `runs.faultsJSON`.
    @discardableResult
    public func recordFaults(runID: String, faults: [InjectedFault]) async throws -> String? {
        let json = try InjectedFault.json(faults)
        _ = try await write([.faults(faults, json: json)], runID: runID, known: [:])
        return json
    }

    /// Records that an agent was cut from the graph from a step on.
    public func recordQuarantine(runID: String, agent: Int, step: Int) async throws {
        _ = try await write([.quarantine(agent: agent, step: step)], runID: runID, known: [:])
    }

    /// Records how a run ended.
    public func finishRun(_ run: RunRecord) async throws {
        _ = try await write([.runFinished(run)], runID: run.id, known: [:])
    }
}
