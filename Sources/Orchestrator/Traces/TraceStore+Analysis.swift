import Foundation
import GRDB

extension TraceStore {
    /// The runs a filter matches, newest first.
    public func runs(matching filter: RunFilter) async throws -> [RunRecord] {
        try await records(TraceQuery("SELECT * FROM \"runs\" WHERE ") + filter.condition() + TraceQuery(" ORDER BY \"startedAt\" DESC, \"id\" DESC"))
    }

    /// The one run whose id is `reference`, or starts or ends with it (at least 4 characters), like a short git hash.
    /// Run ids begin with their time (`TraceIDs.runID`), so runs of one minute share their first eight characters:
    /// the short id shown is the last eight (`TraceIDs.short`), which are random.
    public func resolveRun(_ reference: String) async throws -> RunRecord {
        let trimmed = reference.trimmingCharacters(in: .whitespaces).lowercased()
        var matches: [RunRecord] = []
        if let exact = try await run(id: trimmed) {
            matches = [exact]
        } else if trimmed.count >= 4 {
            let part = trimmed.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
            matches = try await records(
                TraceQuery(
                    "SELECT * FROM \"runs\" WHERE \"id\" LIKE ? OR \"id\" LIKE ? ORDER BY \"id\" LIMIT 20",
                    [.text(part + "%"), .text("%" + part)]
                )
            )
        }
        guard matches.count == 1, let run = matches.first else {
            throw RunLookupError(reference: reference, candidates: matches.map(\.id))
        }
        return run
    }

    /// Everything stored about the run a full or short id names; `RunLookupError` when it names none or several.
    public func trace(reference: String) async throws -> RunTrace {
        let run = try await resolveRun(reference)
        guard let trace = try await trace(runID: run.id) else { throw RunLookupError(reference: reference, candidates: []) }
        return trace
    }

    /// Everything stored about a run, read in one transaction.
    public func trace(runID: String) async throws -> RunTrace? {
        let tables = try await engine.read([
            TraceQuery("SELECT * FROM \"runs\" WHERE \"id\" = ?", [.text(runID)]),
            DecisionRecord.rowsOfRun(runID), AgentRecord.rowsOfRun(runID), MessageRecord.rowsOfRun(runID),
            DeliveryRecord.rowsOfRun(runID), VerificationRecord.rowsOfRun(runID), EscalationRecord.rowsOfRun(runID),
            FeedbackRecord.rowsOfRun(runID),
        ])
        func records<Record: FetchableRecord>(_ table: Int) throws -> [Record] { try tables[table].map { try Record(row: $0.row) } }
        guard let run = (try records(0) as [RunRecord]).first else { return nil }
        return RunTrace(
            run: run,
            decisions: try records(1),
            agents: try records(2),
            messages: try records(3),
            deliveries: try records(4),
            verifications: try records(5),
            escalations: try records(6),
            feedback: try records(7)
        )
    }

    /// The traces of every run a filter matches, oldest first, handed over one at a time so that exports of
    /// large stores stay in constant memory.
    public func forEachTrace(matching filter: RunFilter, _ body: (RunTrace) throws -> Void) async throws {
        for id in try await runIDs(matching: filter) {
            if let trace = try await trace(runID: id) { try body(trace) }
        }
    }

    /// The ids of the runs a filter matches, oldest first.
    public func runIDs(matching filter: RunFilter) async throws -> [String] {
        try await rows(TraceQuery("SELECT \"id\" FROM \"runs\" WHERE ") + filter.condition() + TraceQuery(" ORDER BY \"startedAt\", \"id\""))
            .map { $0["id"] }
    }
}
