/// A train/test split of a task set fixed by a seed: each task falls on one side by a hash of its id and the
/// seed, so the split does not depend on the order or the number of tasks, and training never sees a test task.
public enum TaskSplit {
    /// Whether a task is held out for testing. Repeats of a task (`id#2`) fall with the task.
    public static func isHeldOut(_ task: OrchestrationTask, fraction: Double, seed: UInt64) -> Bool {
        isHeldOut(id: task.id, fraction: fraction, seed: seed)
    }

    /// Whether the task (or recorded item) with this id is held out for testing.
    public static func isHeldOut(id: String, fraction: Double, seed: UInt64) -> Bool {
        guard fraction > 0 else { return false }
        let base = id.split(separator: "#").first.map(String.init) ?? id
        return Double(StableHash.combine(["split", base], seed: seed) % 1_000_000) / 1_000_000 < fraction
    }

    /// The fold (0 ..< `folds`) of the task with this id in k-fold evaluation under `seed`. Repeats of a task
    /// (`id#2`) fall with the task.
    public static func fold(id: String, folds: Int, seed: UInt64) -> Int {
        let base = id.split(separator: "#").first.map(String.init) ?? id
        return Int(StableHash.combine(["fold", base], seed: seed) % UInt64(max(folds, 1)))
    }

    /// The tasks for training and for testing.
    public static func split(
        _ tasks: [OrchestrationTask],
        testFraction: Double,
        seed: UInt64
    ) -> (train: [OrchestrationTask], test: [OrchestrationTask]) {
        let held = tasks.map { isHeldOut($0, fraction: testFraction, seed: seed) }
        return (zip(tasks, held).filter { !$0.1 }.map(\.0), zip(tasks, held).filter { $0.1 }.map(\.0))
    }
}
