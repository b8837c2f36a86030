import GRDB

/// What a copy of runs between stores did.
public struct RunCopyReport: Sendable, Equatable {
    /// Runs written to the destination.
    public var copied = 0
    /// Runs the destination had already (by id), left as they are.
    public var alreadyThere = 0
    /// Runs still `running` in the source, left for a later copy.
    public var stillRunning = 0

    public init(copied: Int = 0, alreadyThere: Int = 0, stillRunning: Int = 0) {
        self.copied = copied
        self.alreadyThere = alreadyThere
        self.stillRunning = stillRunning
    }
}

extension TraceStore {
    /// Copies the runs a filter matches from this store into `destination` (either engine, either way), oldest first, each whole (decisions,
    /// agents, messages, deliveries, verdicts, escalations) in one transaction of the destination. Idempotent: a run
    /// the destination has already is skipped, so an interrupted copy is finished by running it again. Runs still
    /// `running` are not copied (their rows are not final). `progress` gets the report so far and the number of runs
    /// matched after each run.
    public func copyRuns(
        matching filter: RunFilter,
        to destination: TraceStore,
        progress: (RunCopyReport, Int) -> Void = { _, _ in }
    ) async throws -> RunCopyReport {
        let ids = try await runIDs(matching: filter)
        var report = RunCopyReport()
        for id in ids {
            guard let trace = try await trace(runID: id) else { continue }
            if trace.run.status == .running {
                report.stillRunning += 1
            } else if try await destination.insert(trace) {
                report.copied += 1
            } else {
                report.alreadyThere += 1
            }
            progress(report, ids.count)
        }
        return report
    }
}

extension TraceStore {
    /// Adds a stored run's trace as it is, in one transaction, with fresh row ids (deliveries and verdicts follow
    /// their messages); returns false, writing nothing, when a run with its id is here already.
    public func insert(_ trace: RunTrace) async throws -> Bool {
        try await engine.insert(trace)
    }
}

extension RunTrace {
    /// The trace's deliveries and verdicts naming the messages by their ids in another store (`moved`: old id → new),
    /// for a copy whichever engine receives it. Throws `UnknownMessage` for a row naming a message the trace lacks.
    func rowsNaming(messagesMovedTo moved: [Int64: Int64]) throws -> (deliveries: [DeliveryRecord], verifications: [VerificationRecord]) {
        func newID(_ messageID: Int64) throws -> Int64 {
            guard let id = moved[messageID] else { throw UnknownMessage() }
            return id
        }
        var deliveries = deliveries
        for index in deliveries.indices { deliveries[index].messageID = try newID(deliveries[index].messageID) }
        var verifications = verifications
        for index in verifications.indices { verifications[index].messageID = try newID(verifications[index].messageID) }
        return (deliveries, verifications)
    }
}
