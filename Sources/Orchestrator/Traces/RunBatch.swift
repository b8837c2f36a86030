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

    /// The batch's events as they are written. A run that starts and ends in one batch (most runs: one shorter than
    /// the flush delay) has its row inserted as it ended, in place of its start — one write of the row instead of a
    /// start, its plan's and faults' columns, and its end. `runRowIsFinal` then says so: the plan's and faults' own
    /// updates of the row are left out (the ended row holds them), and a heartbeat is kept whatever the status.
    var written: (events: [TraceEvent], runRowIsFinal: Bool) {
        guard case .runStarted(let start)? = events.first(where: { if case .runStarted = $0 { true } else { false } }),
            let end = events.lazy.compactMap({ event -> RunRecord? in
                if case .runFinished(let record) = event, record.id == start.id { record } else { nil }
            }).last
        else { return (events, false) }
        let folded = events.compactMap { event -> TraceEvent? in
            switch event {
            case .runStarted: .runStarted(end)
            case .runFinished: nil
            default: event
            }
        }
        return (folded, true)
    }
}
