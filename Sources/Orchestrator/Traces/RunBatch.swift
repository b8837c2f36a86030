/// One run's batch of events as its ledger hands it to the store: written in one transaction, possibly together
/// with other runs' batches (`GroupCommit`).
struct RunBatch: Sendable {
    var events: [TraceEvent]
    var runID: String
    /// The ids of the run's messages written by earlier batches, which deliveries may name.
    var known: [TraceEvent.MessageKey: Int64]
    /// The batch's number (0, 1, … for one run), written exactly once (`RunWriteMark`); nil writes it each time.
    var number: Int?

    init(events: [TraceEvent], runID: String, known: [TraceEvent.MessageKey: Int64], number: Int? = nil) {
        self.events = events
        self.runID = runID
        self.known = known
        self.number = number
    }
}
