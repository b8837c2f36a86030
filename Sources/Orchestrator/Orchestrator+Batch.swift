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
    /// One run's failure is that run's: a run that the trace store could not record (the only error `run` throws)
    /// becomes a failed result with the reason, and the batch goes on with the other tasks.
    public func runBatch(
        _ tasks: [OrchestrationTask],
        seed: UInt64,
        parallel: Int = 4,
        onResult: @Sendable (RunResult) async -> Void = { _ in }
    ) async throws -> [RunResult] {
        var results = [RunResult?](repeating: nil, count: tasks.count)
        var nextToReport = 0
        try await withThrowingTaskGroup(of: (Int, RunResult).self) { group in
            var nextToStart = 0
            func startNext() {
                guard nextToStart < tasks.count else { return }
                let index = nextToStart
                let task = tasks[index]
                nextToStart += 1
                group.addTask {
                    let taskSeed = Self.taskSeed(base: seed, taskID: task.id)
                    do {
                        return (index, try await run(task, seed: taskSeed))
                    } catch {
                        logger.error("run could not be recorded", metadata: ["task": "\(task.id)", "error": "\(error)"])
                        return (index, unrecordedFailure(of: task, seed: taskSeed, error: error))
                    }
                }
            }
            for _ in 0..<max(1, parallel) { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                while nextToReport < tasks.count, let ready = results[nextToReport] {
                    await onResult(ready)
                    nextToReport += 1
                }
                startNext()
            }
        }
        return results.compactMap { $0 }
    }
}

extension Orchestrator {
    /// The result of a run the trace store could not record: failed, with the store's error, no run id.
    func unrecordedFailure(of task: OrchestrationTask, seed: UInt64, error: any Error) -> RunResult {
        var record = runRecord(runID: "", task: task, seed: seed, taskJSON: "")
        record.status = .failed
        record.error = "the run could not be recorded: \(error)"
        record.score = task.expected == nil ? nil : 0
        return result(of: record, task: task, plan: nil, outcome: nil, faults: [])
    }
}
