import Foundation
import GRDB

extension TraceStore {
    /// The runs a filter matches, newest first.
    public func runs(matching filter: RunFilter) async throws -> [RunRecord] {
        try await writer.read { db in
            try SQLRequest<RunRecord>(literal: SQL("SELECT * FROM runs WHERE \(filter.condition()) ORDER BY startedAt DESC")).fetchAll(db)
        }
    }

    /// The one run whose id is `reference` or starts with it (at least 4 characters), like a short git hash.
    public func resolveRun(_ reference: String) async throws -> RunRecord {
        let trimmed = reference.trimmingCharacters(in: .whitespaces).lowercased()
        let matches: [RunRecord] = try await writer.read { db in
            if let exact = try RunRecord.fetchOne(db, key: trimmed) { return [exact] }
            guard trimmed.count >= 4 else { return [] }
            let pattern = trimmed.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            return try RunRecord.filter(Column("id").like(pattern)).limit(20).fetchAll(db)
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
        try await writer.read { db in
            guard let run = try RunRecord.fetchOne(db, key: runID) else { return nil }
            return RunTrace(
                run: run,
                decisions: try DecisionRecord.ofRun(runID).fetchAll(db),
                agents: try AgentRecord.ofRun(runID).fetchAll(db),
                messages: try MessageRecord.ofRun(runID).fetchAll(db),
                deliveries: try DeliveryRecord.ofRun(runID).fetchAll(db),
                verifications: try VerificationRecord.ofRun(runID).fetchAll(db),
                escalations: try EscalationRecord.ofRun(runID).fetchAll(db)
            )
        }
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
        try await writer.read { db in
            try SQLRequest<String>(literal: SQL("SELECT id FROM runs WHERE \(filter.condition()) ORDER BY startedAt, id")).fetchAll(db)
        }
    }
}

/// Rows of an SQL literal (arguments bound, never spliced into the text).
func fetchRows(_ db: Database, _ sql: SQL) throws -> [Row] {
    try SQLRequest<Row>(literal: sql).fetchAll(db)
}

/// A cursor over the rows of an SQL literal.
func fetchRowCursor(_ db: Database, _ sql: SQL) throws -> RowCursor {
    try SQLRequest<Row>(literal: sql).fetchCursor(db)
}
