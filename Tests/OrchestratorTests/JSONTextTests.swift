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
}
