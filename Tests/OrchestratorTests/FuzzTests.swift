import Foundation
import OrchestratorTestSupport
import PropertyBased
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// Fuzz targets for every parser of untrusted text: hostile inputs (`AdversarialText`) for a time budget each,
/// `ORCHESTRATE_FUZZ_SECONDS` (default 10 s a target, 80 s in all). A crash ends the test process; a broken
/// property is reported with the seed that reproduces it. `scripts/fuzz.sh MINUTES` runs a long campaign.
@Suite(.serialized) struct FuzzTests {
    @Test func answerExtraction() async throws {
        try await Fuzz.campaign("answer extraction", input: AdversarialText.text) { text in
            for kind in [AnswerKind.number, .choice, .text, .code] {
                let answer = AnswerExtractor.extract(from: text, kind: kind)
                #expect((answer?.utf8.count ?? 0) <= UntrustedText.scannedCharacters * 4)
                // A number answer reads as a number; a choice is one letter A to J.
                #expect(kind != .number || answer.map { Double($0) != nil } ?? true, "\(answer ?? "")")
                #expect(kind != .choice || answer.map { $0.count == 1 && "ABCDEFGHIJ".contains($0) } ?? true, "\(answer ?? "")")
            }
        }
    }

    @Test func messageChecksAndArithmetic() async throws {
        try await Fuzz.campaign("message checks", input: AdversarialText.text) { text in
            let results = MessageVerifier.check(response: text, kind: .number, query: "What is 2 + 3?\nA. 5\nB. 6")
            #expect(results.map(\.check) == [.format, .arithmetic, .support])
            #expect(results.allSatisfy { $0.detail.utf8.count < 20_000 })
            let scan = ArithmeticChecker.scan(text)
            #expect(scan.statements.allSatisfy { $0.text.utf8.count < 20_000 })
        }
    }

    @Test func expressionScanner() async throws {
        try await Fuzz.campaign("expression scanner", input: AdversarialText.text) { text in
            for scan in [ExpressionScanner.trailingExpression(of: text), ExpressionScanner.leadingExpression(of: text)] {
                #expect((scan.expression?.text.split(separator: " ").count ?? 0) <= UntrustedText.expressionTokens)
            }
        }
    }

    @Test func choiceOptions() async throws {
        try await Fuzz.campaign("choice options", input: AdversarialText.text) { text in
            let letters = ChoiceOptions.letters(in: text)
            #expect(letters == Array("ABCDEFGHIJ".prefix(letters.count)).map(String.init))
        }
    }

    @Test func jsonDocuments() async throws {
        try await Fuzz.campaign("JSON parser", input: AdversarialText.text) { text in
            let parsed = Result { () throws(JSONSyntaxError) -> JSONValue in try JSONValue.parse(text) }
            let failure: String? = if case .failure(let error) = parsed { error.reason } else { nil }
            #expect(failure.map { $0.hasPrefix("not valid JSON") } ?? true, "\(failure ?? "")")
        }
    }

    @Test func agentsNetMessages() async throws {
        try await Fuzz.campaign("AgentsNet messages", input: AdversarialText.text) { text in
            _ = AgentsNetMessages.outgoing(in: text)
            _ = AgentsNetMessages.claims(in: String(text.prefix(UntrustedText.scannedCharacters)))
            let answer = AgentsNetMessages.finalAnswer(in: text, valid: ["Alice", "Bob", "None"])
            #expect(answer == nil || ["Alice", "Bob", "None"].contains(answer!))
        }
    }

    @Test func requestAndReplyBodies() async throws {
        try await Fuzz.campaign("request and reply bodies", input: AdversarialText.bytes) { bytes in
            let data = Data(bytes)
            _ = try? JSONDecoder().decode(ChatCompletionRequest.self, from: data)
            _ = try? JSONDecoder().decode(OpenAIWireFormat.Response.self, from: data)
            let wrapped = Data(#"{"model":"auto","messages":[{"role":"user","content":"#.utf8) + data + Data("}]}".utf8)
            _ = try? JSONDecoder().decode(ChatCompletionRequest.self, from: wrapped)
        }
    }

    /// The framing property: whatever the content, the quote has exactly two lines of ours (header and end), and
    /// every line between them starts with the quote prefix.
    @Test func quotedMessagesCannotForgeFraming() async throws {
        let framing = MessageFraming(key: 42)
        try await Fuzz.campaign("message framing", input: AdversarialText.text) { text in
            let quoted = framing.quote(text, header: "agent 1 (general.solver) [verified]", boundary: "0badc0de")
            let lines = quoted.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            #expect(lines.first == "--- agent 1 (general.solver) [verified] · message 0badc0de ---")
            #expect(lines.last == "--- end of message 0badc0de ---")
            let inside = lines.dropFirst().dropLast()
            #expect(inside.allSatisfy { $0.hasPrefix(MessageFraming.quotePrefix) || $0.hasPrefix("(the first ") })
            #expect(lines.filter { !$0.hasPrefix(MessageFraming.quotePrefix) && $0.hasPrefix("---") }.count == 2)
        }
    }
}

/// Runs a fuzz target for its time budget, through `propertyCheck` in rounds of 50 inputs, and prints how many
/// inputs it ran.
enum Fuzz {
    /// Seconds for each target: `ORCHESTRATE_FUZZ_SECONDS`, else 10.
    static let seconds: Double = ProcessInfo.processInfo.environment["ORCHESTRATE_FUZZ_SECONDS"].flatMap(Double.init) ?? 10

    static func campaign<Input: Sendable>(
        _ name: String,
        input: Generator<Input, Shrink.None<Input>>,
        body: @escaping @Sendable (Input) async throws -> Void
    ) async throws {
        let executions = try await TestSupport.exclusively {
            let clock = ContinuousClock()
            let start = clock.now
            var executions = 0
            while clock.now - start < .seconds(seconds) {
                await propertyCheck(count: 50, input: input) { value in
                    try await body(value)
                }
                executions += 50
            }
            return executions
        }
        print("fuzz \(name): \(executions) inputs in \(Int(seconds)) s")
        #expect(executions > 0)
    }
}
