import Foundation

extension RunRecord {
    /// The task the run was given, read back from `taskJSON`.
    public func task(using decoder: JSONDecoder = JSONDecoder()) throws -> OrchestrationTask {
        try decoder.decode(OrchestrationTask.self, from: Data(taskJSON.utf8))
    }
}

extension DecisionRecord {
    /// The decision this row records, with its candidate distribution read back from `candidatesJSON`.
    public func decision(using decoder: JSONDecoder = JSONDecoder()) throws -> Decision {
        guard let stage = Decision.Stage(rawValue: stage) else {
            throw StoredDecisionError(sequence: sequence, message: "has an unknown stage '\(self.stage)'")
        }
        return Decision(
            stage: stage,
            position: position,
            chosen: chosen,
            logProbability: logProbability,
            candidates: try decoder.decode([Decision.Candidate].self, from: Data(candidatesJSON.utf8)),
            pinned: pinned
        )
    }
}

/// A stored decision row that cannot be read back.
public struct StoredDecisionError: Error, Sendable, CustomStringConvertible {
    public var sequence: Int
    public var message: String

    public var description: String { "decision \(sequence) \(message)" }
}
