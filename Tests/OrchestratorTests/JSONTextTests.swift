import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The hand-written JSON of prompts and candidates reads back exactly.
@Suite(.timeLimit(.minutes(5)))
struct JSONTextTests {
    @Test func promptsAndCandidatesRoundTripThroughJSONDecoder() throws {
        let awkward = "Quote \" backslash \\ newline\n tab\t bell \u{07} slash / unicode é 漢字 🙂 nul-ish \u{01}"
        let messages = [
            ChatMessage(role: .system, content: awkward), ChatMessage(role: .user, content: ""), ChatMessage(role: .assistant, content: "Answer: 4"),
        ]
        let decodedMessages = try JSONDecoder().decode([ChatMessage].self, from: Data(JSONText.messages(messages).utf8))
        #expect(decodedMessages == messages)
        let candidates = [
            Decision.Candidate(name: awkward, probability: 0.08991839670166431),
            Decision.Candidate(name: "sim-large", probability: 1),
            Decision.Candidate(name: "tiny", probability: 1e-300),
            Decision.Candidate(name: "none", probability: 0),
        ]
        let decodedCandidates = try JSONDecoder().decode([Decision.Candidate].self, from: Data(JSONText.candidates(candidates).utf8))
        #expect(decodedCandidates == candidates)
        #expect(JSONText.candidates([Decision.Candidate(name: "a", probability: 0.5)]) == #"[{"name":"a","probability":0.5}]"#)
        #expect(try JSONDecoder().decode([String].self, from: Data(JSONText.strings(["a\"b", "c"]).utf8)) == ["a\"b", "c"])
    }

    /// The plan's hand-written JSON is what `JSONEncoder` writes for it without its decisions, key for key and value
    /// for value (a field added to `Plan` and not to `JSONText.plan` fails here once the sample sets it).
    @Test(arguments: [false, true]) func aPlansJSONIsWhatTheEncoderWrites(everyField: Bool) throws {
        let awkward = "Quote \" backslash \\ é 🙂 \u{01}"
        var plan = Plan(
            topology: "debate",
            agents: [
                PlannedAgent(index: 0, role: "math.solver", model: awkward, fallbackModels: ["b", awkward]),
                PlannedAgent(index: 1, role: awkward, model: "m", fallbackModels: [], reliability: everyField ? 0.8125 : nil),
            ],
            rounds: 3,
            aggregation: .vote,
            domain: .knowledge,
            difficulty: 0.123456789012345,
            decisions: [],
            controllerVersion: "trained-\(awkward)",
            selection: .sample
        )
        if everyField {
            plan.qualityKnown = false
            plan.exploring = 12
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let expected = try JSONValue.parse(String(decoding: try encoder.encode(plan), as: UTF8.self))
        let handWritten = JSONText.plan(plan)
        #expect(try JSONValue.parse(handWritten) == expected, "\(handWritten)")
        #expect(try JSONDecoder().decode(Plan.self, from: Data(handWritten.utf8)) == plan)
        var withDecisions = plan
        withDecisions.decisions = [Decision(stage: .topology, position: nil, chosen: "debate", logProbability: -0.7, candidates: [], pinned: false)]
        #expect(JSONText.plan(withDecisions) == handWritten, "decisions have their own rows")
    }

    /// The task's hand-written JSON is what `JSONEncoder` writes for it, with every field set and with none.
    @Test func aTasksJSONIsWhatTheEncoderWrites() throws {
        let awkward = "Quote \" backslash \\ slash / é 🙂 \u{01}"
        let full = OrchestrationTask(
            id: "t/\(awkward)",
            query: awkward,
            domain: .code,
            expected: ExpectedAnswer(value: awkward, kind: .code),
            budget: Budget(maxCostUSD: 0.0125, maxAgents: 4, maxRounds: 2, deadlineSeconds: 2.5),
            constraints: Constraints(topology: "debate", agentCount: 3, roles: ["a", awkward], models: []),
            faults: [FaultSpec(target: .agent(1), kind: .persuasive, value: "114"), FaultSpec(target: .random, kind: .garbage)],
            tests: CodeTests(source: "assert f() == \"/\"", timeoutSeconds: 1.5, memoryMegabytes: 256),
            declaredAnswerKind: .text
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for task in [full, OrchestrationTask(id: "bare", query: "q")] {
            let expected = try JSONValue.parse(String(decoding: try encoder.encode(task), as: UTF8.self))
            let handWritten = try JSONText.task(task)
            #expect(try JSONValue.parse(handWritten) == expected, "\(handWritten)")
            #expect(try JSONDecoder().decode(OrchestrationTask.self, from: Data(handWritten.utf8)) == task)
        }
    }
}
