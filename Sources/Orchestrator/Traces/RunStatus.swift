/// Where a run stands.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    /// Started and not yet finished (or its process died; see `interrupted`).
    case running
    /// Finished with an answer (or with no answer the agents could agree on).
    case completed
    /// Ended early by its budget (cost or deadline); the reason is recorded, and the answer, if any, is partial.
    case stopped
    /// Could not be carried out (planning, providers); the error is recorded.
    case failed
    /// Its process died before it finished; marked when the store next opened.
    case interrupted
    /// Its caller went away before it finished (a streaming client that disconnected); the calls in flight were
    /// abandoned and no more were made.
    case cancelled
}

extension RunStatus {
    /// Why a cancelled run ended, as its record says.
    public static let cancellationReason = "cancelled: the caller went away before the run finished"
}
