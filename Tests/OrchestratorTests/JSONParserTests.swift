import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#"{"a": [1, -2.5e1, true, false, null], "b": "x\"\u00e9\ud83d\ude00\n"}"#)
        #expect(value == .object(["a": .array([.number(1), .number(-25), .bool(true), .bool(false), .null]), "b": .string("x\"é😀\n")]))
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, 1), ("[1, 2,]", 1), ("{\n\"a\": 1\n\"b\": 2}", 3), (#"{"a": 01}"#, 1), (#"{'a': 1}"#, 1),
        ("{\"a\": 1, \"a\": 2}", 1), ("{\"a\": 1} x", 1), ("", 1), ("{\"a\": \"unclosed\n}", 1), ("{\n\n  \"a\": tru }", 3),
    ])
    func rejectsInvalidJSONWithItsLine(text: String, line: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.line == line, "\(text): \(error.reason)")
        }
    }

    @Test func remembersTheLineOfEveryKey() throws {
        let document = try JSONValue.document("{\n  \"query\": \"x\",\n  \"budget\": {\n    \"maxAgents\": 0\n  },\n  \"roles\": [\"a\",\n \"b\"]\n}")
        #expect(document.line(of: "query") == 2)
        #expect(document.line(of: "budget.maxAgents") == 4)
        #expect(document.line(of: "roles[1]") == 7)
        #expect(document.line(of: "budget.missing") == 3)
        #expect(document.line(of: "nowhere") == 1)
    }
}
