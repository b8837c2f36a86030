import Foundation
import OrchestratorTestSupport
import PropertyBased
import Testing

@testable import Orchestrator

/// The per-message path's byte-level shortcuts for plain ASCII give what the general, character-level code gives,
/// on hostile text and on number-like ASCII.
@Suite(.exclusive, .timeLimit(.minutes(5))) struct FastPathTests {
    /// Short ASCII strings of the characters number parsing trims, drops or reads.
    static let numberLike: Generator<String, Shrink.None<String>> = Generator { random in
        let alphabet = Array("0123456789,$. %\t\n\r-+eE.x\u{0B}")
        return String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    @Test func quotingPlainASCIIByBytesGivesTheSameQuote() async {
        let framing = MessageFraming(key: 7)
        await propertyCheck(count: 300, input: AdversarialText.text) { text in
            let fast = framing.quote(text, header: "agent 1 [verified]", boundary: "0badc0de", plainASCIIByBytes: true)
            let general = framing.quote(text, header: "agent 1 [verified]", boundary: "0badc0de", plainASCIIByBytes: false)
            #expect(fast == general)
        }
        // The byte path is taken: a multi-line ASCII message is one the check accepts.
        #expect(UntrustedText.isPlainASCII("3 + 4 = 7\nAnswer: 7".utf8, newlines: true))
        #expect(!UntrustedText.isPlainASCII("3 + 4 = 7\r\nAnswer: 7".utf8, newlines: true))
    }

    @Test func numbersReadFromASCIIBytesMatchFoundationsReading() async {
        await propertyCheck(count: 2_000, input: Self.numberLike) { text in
            #expect(AnswerExtractor.parseASCIINumber(text) == AnswerExtractor.parseAnyNumber(text), "\(text.debugDescription)")
        }
        #expect(AnswerExtractor.parseASCIINumber(" $1,234.50% \n") == 1234.5)
    }

    @Test func printableASCIIIsLeftAsItIs() async {
        await propertyCheck(count: 300, input: AdversarialText.text) { text in
            let general = text.map { $0.isNewline ? " ⏎ " : ($0.unicodeScalars.contains(where: UntrustedText.isHidden) ? "\u{FFFD}" : String($0)) }
            #expect(UntrustedText.printable(text) == general.joined())
        }
    }

    @Test func jsonStringLiteralsDecodeToTheirText() async throws {
        await propertyCheck(count: 300, input: AdversarialText.text) { text in
            let decoded = try JSONDecoder().decode(String.self, from: Data(JSONText.string(text).utf8))
            #expect(decoded == text)
        }
    }
}
