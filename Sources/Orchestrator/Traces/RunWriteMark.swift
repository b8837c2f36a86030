/// How many of a run's batches of events are written, kept in `runWrites` and changed in the same transaction as each
/// batch, so a batch is written exactly once: a write whose commit went through but whose answer was lost (a
/// connection cut or a time limit passed during the commit) is tried again with the same number, finds it written,
/// writes nothing and gives back the ids the first write gave the batch's messages.
struct RunWriteMark: Sendable, Equatable {
    /// How many of the run's batches are written (batch `n` is the `n + 1`-th).
    var batches: Int
    /// The ids the last written batch gave its messages, by key.
    var lastMessageIDs: [TraceEvent.MessageKey: Int64]

    /// A run none of whose batches is written.
    static let none = RunWriteMark(batches: 0, lastMessageIDs: [:])

    /// What writing `batch` of `runID` should do, given this mark: write it (nil), or nothing, giving back the ids of
    /// its messages (it is the last batch written). A batch before the last written, or one after a batch not
    /// written, is a mistake of the writer's.
    func written(_ batch: Int, runID: String) throws -> [TraceEvent.MessageKey: Int64]? {
        if batch == batches { return nil }
        if batch == batches - 1 { return lastMessageIDs }
        throw BatchOutOfOrder(runID: runID, batch: batch, written: batches)
    }

    /// The mark once `batch` is written with the ids its messages got.
    static func after(_ batch: Int, messageIDs: [TraceEvent.MessageKey: Int64]) -> RunWriteMark {
        RunWriteMark(batches: batch + 1, lastMessageIDs: messageIDs)
    }

    /// The ids as stored: `key:id` pairs separated by commas, in the keys' order.
    var messageIDsText: String {
        lastMessageIDs.sorted { $0.key.value < $1.key.value }.map { "\($0.key.value):\($0.value)" }.joined(separator: ",")
    }

    /// A mark as stored; text that is not `key:id` pairs (the writer's own, never a model's) is a damaged store.
    init(batches: Int, messageIDsText: String, runID: String) throws {
        var ids: [TraceEvent.MessageKey: Int64] = [:]
        for pair in messageIDsText.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let key = Int(parts[0]), let id = Int64(parts[1]) else {
                throw TraceStoreError(description: "run \(runID): runWrites.messageIDs holds '\(pair.prefix(40))', expected key:id pairs")
            }
            ids[TraceEvent.MessageKey(value: key)] = id
        }
        self.init(batches: batches, lastMessageIDs: ids)
    }

    init(batches: Int, lastMessageIDs: [TraceEvent.MessageKey: Int64]) {
        self.batches = batches
        self.lastMessageIDs = lastMessageIDs
    }
}

/// A batch of a run's events given before the batches ahead of it were written, or after later ones: the writer's
/// mistake, not the store's (it writes nothing).
struct BatchOutOfOrder: Error, CustomStringConvertible {
    var runID: String
    var batch: Int
    var written: Int

    var description: String { "run \(runID): batch \(batch) of its events given when \(written) are written" }
}
