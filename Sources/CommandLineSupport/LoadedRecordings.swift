import Orchestrator
import Synchronization

/// Recorded outcomes read once per path for the life of a command: a command that both answers from recordings and
/// learns from them (`eval --folds`, `train --outcomes`) parses the files once.
package enum LoadedRecordings {
    private static let loaded = Mutex<[String: RecordedOutcomes]>([:])

    /// The recorded outcomes at `path`, parsed the first time they are asked for.
    package static func outcomes(at path: String) throws(RecordingError) -> RecordedOutcomes {
        if let cached = loaded.withLock({ $0[path] }) { return cached }
        let outcomes = try RecordedOutcomes.load(path: path)
        loaded.withLock { $0[path] = outcomes }
        return outcomes
    }
}
