import ArgumentParser
import Orchestrator

/// Command-line changes to every task of a file: a pinned topology and agent count, injected faults, repeats.
package struct TaskOverrides: ParsableArguments {
    package init() {}

    @Option(name: .long, help: "Pin every task's topology (overrides the task's constraint).")
    package var topology: String?

    @Option(name: .long, help: "Pin every task's agent count (overrides the task's constraint).")
    package var agents: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Make an agent faulty: KIND[@AGENT|@random][=VALUE], KIND one of wrong-answer, garbage, persuasive. Repeatable.",
            valueName: "fault"
        )
    )
    package var inject: [String] = []

    @Option(name: .long, help: "Run each task this many times, as <id>#1…<id>#N, each with a seed of its own.")
    package var `repeat`: Int = 1

    package func validate() throws {
        guard (1...10_000).contains(`repeat`) else {
            throw ValidationError("--repeat must be from 1 to 10000, got \(`repeat`)")
        }
        for argument in inject {
            do {
                _ = try FaultSpec(argument: argument)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// The tasks with the overrides applied, checked against the catalogue. Throws naming the option at fault.
    package func apply(to tasks: [OrchestrationTask], catalog: Catalog) throws -> [OrchestrationTask] {
        let faults = try inject.map { argument throws(FieldError) in try FaultSpec(argument: argument) }
        var result: [OrchestrationTask] = []
        for original in tasks {
            var task = original
            if let topology {
                task.constraints.topology = topology
                if agents == nil, let roles = task.constraints.roles, catalog.topology(named: topology)?.agents.contains(roles.count) == false {
                    task.constraints.roles = nil
                }
            }
            if let agents {
                task.constraints.agentCount = agents
                if task.constraints.roles?.count != agents { task.constraints.roles = nil }
                if let limit = task.budget.maxAgents, limit < agents { task.budget.maxAgents = agents }
            }
            task.faults += faults
            do {
                try catalog.validatePins(of: task)
            } catch {
                let option = error.field.hasSuffix("topology") ? "--topology" : "--agents"
                throw CommandInputError("\(option) on task \(task.id): \(error.field): \(error.problem)")
            }
            if `repeat` == 1 {
                result.append(task)
            } else {
                for index in 1...`repeat` {
                    var copy = task
                    copy.id = "\(task.id)#\(index)"
                    result.append(copy)
                }
            }
        }
        return result
    }
}
