/// A run the trace store could not record: it ended (no more model calls), failed with the store's failure as its
/// reason, and its events are kept by `TraceStore.abandonedRuns` to be written when the store is back. Its answer, if
/// it had one, is not given: an answer is given only by a recorded run.
public struct RunNotRecorded: Error, CustomStringConvertible, Sendable {
    /// The run's id, under which it will be found once written.
    public var runID: String
    public var failure: TraceStoreFailure

    /// How a run's error begins when the store could not record it.
    public static let prefix = "not recorded: "

    public var description: String {
        "run \(runID) could not be recorded, and was stopped: \(failure); it will be written when the store is back"
    }
}
