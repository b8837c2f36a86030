import Logging

extension Orchestrator {
    /// The seed a task runs with, derived from a base seed and the task's id, so a task's run does not
    /// depend on its place in a batch or on what runs beside it.
    public static func taskSeed(base: UInt64, taskID: String) -> UInt64 {
        StableHash.combine([taskID], seed: base)
    }

    /// Runs tasks, up to `parallel` at once, and hands each result to `onResult` in task order as soon as
    /// it and every task before it have finished. Returns the results in task order.
    ///
    /// One run's failure is that run's. But when the trace store cannot write at all (a full disk, a store that is
    /// down), a run cannot be recorded and neither could the next: no more runs are started (no more model calls
    /// paid for and thrown away), the runs in flight end, and `BatchStopped` is thrown with what ran. With
    /// `keepGoing` the batch goes on instead, each run the store could not record becoming a failed result.
    public func runBatch(
        _ tasks: [OrchestrationTask],
        seed: UInt64,
        parallel: Int = 4,
        keepGoing: Bool = false,
        onResult: @Sendable (RunResult) async -> Void = { _ in }
    ) async throws -> [RunResult] {
        var results = [RunResult?](repeating: nil, count: tasks.count)
        var nextToReport = 0
        var stopped: TraceStoreFailure?
        var started = 0
        var notRecorded = 0
        try await withThrowingTaskGroup(of: (Int, RunResult, RunNotRecorded?).self) { group in
            func startNext() {
                guard started < tasks.count, stopped == nil else { return }
                let index = started
                let task = tasks[index]
                started += 1
                group.addTask {
                    let taskSeed = Self.taskSeed(base: seed, taskID: task.id)
                    do {
                        return (index, try await run(task, seed: taskSeed), nil)
                    } catch let error as RunNotRecorded {
                        logger.error(
                            "run could not be recorded",
                            metadata: ["task": "\(task.id)", "run": "\(error.runID)", "error": "\(error.failure)"]
                        )
                        return (index, unrecordedFailure(of: task, seed: taskSeed, runID: error.runID, error: error), error)
                    } catch {
                        logger.error("run could not be recorded", metadata: ["task": "\(task.id)", "error": "\(error)"])
                        return (index, unrecordedFailure(of: task, seed: taskSeed, runID: "", error: error), nil)
                    }
                }
            }
            for _ in 0..<max(1, parallel) { startNext() }
            while let (index, result, unrecorded) = try await group.next() {
                results[index] = result
                if let unrecorded {
                    notRecorded += 1
                    if !keepGoing && unrecorded.failure.storeIsDown && stopped == nil {
                        stopped = unrecorded.failure
                        logger.error(
                            "the trace store cannot record: no more runs are started",
                            metadata: ["started": "\(started)", "tasks": "\(tasks.count)", "error": "\(unrecorded.failure)"]
                        )
                    }
                }
                while nextToReport < tasks.count, let ready = results[nextToReport] {
                    await onResult(ready)
                    nextToReport += 1
                }
                startNext()
            }
        }
        let ended = results.compactMap { $0 }
        if let stopped {
            throw BatchStopped(
                failure: stopped,
                results: ended,
                recorded: ended.count - notRecorded,
                notRecorded: notRecorded,
                notStarted: tasks.count - started
            )
        }
        return ended
    }
}

/// A batch that stopped starting runs because the trace store could not record them (`Orchestrator.runBatch`).
public struct BatchStopped: Error, CustomStringConvertible, Sendable {
    /// The store's failure that stopped it.
    public var failure: TraceStoreFailure
    /// The runs that ended, recorded or not, in task order.
    public var results: [RunResult]
    /// Runs written to the store.
    public var recorded: Int
    /// Runs that ended without being written (kept to be written when the store is back, while this process lives).
    public var notRecorded: Int
    /// Tasks never started: no model was called for them.
    public var notStarted: Int

    public var description: String {
        "the batch stopped because the trace store cannot record runs: \(failure). \(recorded) runs recorded, "
            + "\(notRecorded) ended without being recorded (no answer given), \(notStarted) not started"
    }
}

extension Orchestrator {
    /// The result of a run the trace store could not record: failed, with the store's error and the run's id (empty
    /// when it never got one).
    func unrecordedFailure(of task: OrchestrationTask, seed: UInt64, runID: String, error: any Error) -> RunResult {
        var record = runRecord(runID: runID, task: task, seed: seed, taskJSON: "")
        record.status = .failed
        record.error = "\(error)"
        record.score = task.expected == nil ? nil : 0
        return result(of: record, task: task, plan: nil, outcome: nil, faults: [])
    }
}
