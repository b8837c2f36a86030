import Foundation

/// One thing a run records, as the store writes it: the engine-neutral unit of a run's trace. A run's ledger stages
/// these as they happen and hands them to its store in batches (`TraceStore.write(_:runID:known:)`), each batch one
/// transaction; a store engine is anything that can write a batch and read the rows back.
enum TraceEvent: Sendable {
    /// A message of a run, staged or written: its place in the order the run staged its messages.
    struct MessageKey: Hashable, Sendable {
        let value: Int
    }

    /// A neighbour's message as one receiver got it, or was kept from it.
    struct Receipt: Sendable {
        var sender: Int
        var message: MessageKey
        var verdict: DeliveryVerdict
        /// Why, for verdicts other than `verified` and `unchecked`.
        var detail: String?
    }

    /// The run row, as the run starts (status `running`).
    case runStarted(RunRecord)
    /// The controller's plan: its decisions and its agents.
    case plan(TraceStore.PlanRows)
    /// The agents of a run without a controller plan (AgentsNet).
    case agents([AgentRecord])
    /// Injected faults, marked on the run and its agents.
    case faults([InjectedFault], json: String?)
    /// A message, with the deliveries its sender read (naming earlier messages by key) and what its checks found.
    case message(key: MessageKey, row: MessageRecord, receipts: [Receipt], checks: [CheckResult])
    /// `agent` was cut from the graph before `step`.
    case quarantine(agent: Int, step: Int)
    /// A cascade judge's decision on one level.
    case escalation(EscalationRecord)
    /// The run's process is still at work on it at this time (`runs.heartbeatAt`).
    case heartbeat(Date)
    /// The run row as the run ended.
    case runFinished(RunRecord)
}

/// A delivery names a message its run never staged.
struct UnknownMessage: Error, CustomStringConvertible {
    var description: String { "a delivery names a message this run did not record" }
}

extension TraceEvent {
    /// The rows a message's receipts become, for any engine: a delivery per receipt (naming the id of the message it
    /// carried) and the consistency verdict of each disputed one, for its receiver. Throws `UnknownMessage` for a
    /// receipt naming a message without an id in `ids`.
    static func deliveryRows(
        of row: MessageRecord,
        receipts: [Receipt],
        ids: [MessageKey: Int64],
        runID: String
    ) throws -> (deliveries: [DeliveryRecord], verdicts: [VerificationRecord]) {
        var deliveries: [DeliveryRecord] = []
        var verdicts: [VerificationRecord] = []
        for receipt in receipts {
            guard let messageID = ids[receipt.message] else { throw UnknownMessage() }
            deliveries.append(
                DeliveryRecord(
                    runID: runID,
                    messageID: messageID,
                    senderIndex: receipt.sender,
                    receiverIndex: row.agentIndex,
                    step: row.step,
                    verdict: receipt.verdict.rawValue,
                    detail: receipt.detail
                )
            )
            // The consistency verdicts worth keeping: one per disputed delivery, for its receiver.
            if receipt.verdict == .disputed {
                verdicts.append(
                    VerificationRecord(
                        id: nil,
                        runID: runID,
                        messageID: messageID,
                        receiverIndex: row.agentIndex,
                        checkName: CheckResult.Check.consistency.rawValue,
                        outcome: CheckResult.Outcome.disputed.rawValue,
                        detail: receipt.detail ?? ""
                    )
                )
            }
        }
        return (deliveries, verdicts)
    }

    /// A message's own checks as rows, once its id is known.
    static func checkRows(_ checks: [CheckResult], messageID: Int64, runID: String) -> [VerificationRecord] {
        checks.map { check in
            VerificationRecord(
                id: nil,
                runID: runID,
                messageID: messageID,
                receiverIndex: nil,
                checkName: check.check.rawValue,
                outcome: check.outcome.rawValue,
                detail: check.detail
            )
        }
    }
}
