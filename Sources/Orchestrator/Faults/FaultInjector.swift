/// Applies a task's fault specs to a planned run and writes what a faulty agent says.
public enum FaultInjector {
    /// A fault that cannot be applied to the plan.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Resolves the specs against a plan's graph: random targets are drawn from the seed among agents whose
    /// messages reach another agent (others cannot spread anything), missing values are drawn to differ from
    /// the expected answer.
    public static func resolve(
        _ specs: [FaultSpec],
        graph: AgentGraph,
        task: OrchestrationTask,
        seed: UInt64
    ) throws(Error) -> [InjectedFault] {
        let senders = Set(graph.steps.flatMap { $0.edges.map(\.from) }).sorted()
        var faults: [InjectedFault] = []
        let targets = try targets(
            of: specs,
            agentCount: graph.agentCount,
            eligible: senders.isEmpty ? Array(0..<graph.agentCount) : senders,
            holder: "plan",
            seed: seed,
            labels: ["fault"]
        )
        for (index, (spec, target)) in zip(specs, targets).enumerated() {
            var random = target.random
            faults.append(InjectedFault(agent: target.agent, kind: spec.kind, answer: try answer(for: spec, at: index, task: task, random: &random)))
        }
        return faults
    }

    /// The agent each spec makes faulty, each one once: an index as given (below `agentCount`), or one drawn for
    /// `.random` among the `eligible` agents not taken yet, from a generator seeded by `labels` and the spec's
    /// position; that generator is handed back for any further draws of the fault.
    static func targets(
        of specs: [FaultSpec],
        agentCount: Int,
        eligible: [Int],
        holder: String,
        seed: UInt64,
        labels: [String]
    ) throws(Error) -> [(agent: Int, random: SeededGenerator)] {
        var taken: Set<Int> = []
        var result: [(agent: Int, random: SeededGenerator)] = []
        for (index, spec) in specs.enumerated() {
            var random = SeededGenerator(seed: seed, labels: labels + [String(index)])
            let agent: Int
            switch spec.target {
            case .agent(let position):
                guard position < agentCount else {
                    throw Error(
                        description: "faults[\(index)].agent: expected an agent index below the \(holder)'s \(agentCount) agents, got \(position)"
                    )
                }
                agent = position
            case .random:
                let pool = eligible.filter { !taken.contains($0) }
                guard !pool.isEmpty else {
                    throw Error(description: "faults[\(index)].agent: no agent left to make faulty among the \(holder)'s \(agentCount)")
                }
                agent = pool[Int(random.next() % UInt64(pool.count))]
            }
            taken.insert(agent)
            result.append((agent, random))
        }
        return result
    }

    private static func answer(for spec: FaultSpec, at index: Int, task: OrchestrationTask, random: inout SeededGenerator) throws(Error) -> String? {
        guard spec.kind != .garbage else { return nil }
        if let value = spec.value {
            guard let normalised = AnswerExtractor.normalise(value, kind: task.answerKind) else {
                throw Error(description: "faults[\(index)].value: expected an answer of kind '\(task.answerKind.rawValue)', got \"\(value)\"")
            }
            return normalised
        }
        if let expected = task.expected {
            return SimulatedProvider.wrongAnswer(to: expected, random: &random)
        }
        return SimulatedProvider.unknownTruthAnswer(kind: task.answerKind, random: &random)
    }

    /// What a faulty agent sends.
    public static func message(for fault: InjectedFault, task: OrchestrationTask) -> String {
        switch fault.kind {
        case .garbage:
            return "~~ ⟟⟒⟟ transmission lost ~~ ▒▒▒ ∴ ⁂ ∴ ▒▒▒ ~~ no signal ~~"
        case .wrongAnswer:
            return "Answer: \(fault.answer ?? "")"
        case .persuasive:
            let answer = fault.answer ?? ""
            var working = ""
            if task.answerKind == .number, let value = AnswerExtractor.parseNumber(answer) {
                // Arguing a wrong result from the task's true figures needs a false step somewhere: the last one.
                let truth = task.expected ?? ExpectedAnswer(value: AnswerExtractor.canonicalNumber(value + 1), kind: .number)
                working = SimulatedProvider.working(for: answer, kind: .number, truth: truth).map { "\n" + $0 } ?? ""
            }
            return """
                I have worked this through twice and I am certain. The figures leave no room for doubt:\(working)
                Any other answer you have seen comes from a miscalculation; the team should adopt mine.
                Answer: \(answer)
                """
        }
    }
}
