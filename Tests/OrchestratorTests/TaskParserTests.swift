import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct TaskParserTests {
    let parser: TaskParser

    init() throws {
        parser = TaskParser(catalog: try TestSupport.catalog())
    }

    @Test func parsesACompleteTask() throws {
        let text = """
            {"id": "t", "query": "What is 2+2?", "domain": "math", "expected": {"value": 4, "kind": "number"},
             "budget": {"maxCostUSD": 0.5, "maxAgents": 4, "maxRounds": 2, "deadlineSeconds": 30},
             "constraints": {"topology": "debate", "roles": ["math.solver", "math.algebraist", "general.judge"], "models": ["sim-nano"]}}
            """
        let tasks = try parser.parse(text: text, file: "t.json")
        #expect(tasks.count == 1)
        let task = try #require(tasks.first)
        #expect(task.expected == ExpectedAnswer(value: "4", kind: .number))
        #expect(task.budget == Budget(maxCostUSD: 0.5, maxAgents: 4, maxRounds: 2, deadlineSeconds: 30))
        #expect(task.constraints.roles?.count == 3)
    }

    /// Each malformed task gives one error naming the file, the line, the field and what was expected.
    @Test func faultsParseWithTheirTargets() throws {
        let text = #"{"query": "x", "domain": "math", "faults": [{"kind": "persuasive", "agent": 2, "value": 13}, {"kind": "garbage"}]}"#
        let task = try #require(try parser.parse(text: text, file: "f.json").first)
        #expect(task.faults == [FaultSpec(target: .agent(2), kind: .persuasive, value: "13"), FaultSpec(target: .random, kind: .garbage)])
    }

    @Test(arguments: [
        (#"{"query": "x", "colour": 1}"#, "colour", "unknown field"),
        (#"{"query": 5}"#, "query", "expected a string"),
        (#"{"id": "a"}"#, "query", "missing"),
        (#"{"query": "   "}"#, "query", "non-empty"),
        (#"{"query": "x", "budget": {"maxAgents": 0}}"#, "budget.maxAgents", "from 1 to 64"),
        (#"{"query": "x", "budget": {"maxCostUSD": -1}}"#, "budget.maxCostUSD", "expected a number"),
        (#"{"query": "x", "budget": {"deadlineSeconds": "soon"}}"#, "budget.deadlineSeconds", "got a string"),
        (#"{"query": "x", "budget": {"maxRounds": 1.5}}"#, "budget.maxRounds", "integer"),
        (#"{"query": "x", "constraints": {"topology": "pyramid"}}"#, "constraints.topology", "pyramid"),
        (#"{"query": "x", "constraints": {"roles": ["math.solver", "nobody"]}}"#, "constraints.roles[1]", "nobody"),
        (#"{"query": "x", "constraints": {"models": ["gpt-9"]}}"#, "constraints.models[0]", "gpt-9"),
        (#"{"query": "x", "constraints": {"topology": "single", "agentCount": 3}}"#, "constraints.agentCount", "topology 'single'"),
        (#"{"query": "x", "constraints": {"topology": "debate"}, "budget": {"maxAgents": 2}}"#, "budget.maxAgents", "at least 3"),
        (#"{"query": "x", "expected": {"value": "four", "kind": "number"}}"#, "expected.value", "number"),
        (#"{"query": "x", "expected": {"value": "4"}}"#, "expected.kind", "missing"),
        (#"{"query": "x", "domain": "poetry"}"#, "domain", "poetry"),
        (#"["not", "an", "object"]"#, "(top level)", "expected an object"),
        (#"{"query": "x", "faults": [{"agent": 1}]}"#, "faults[0].kind", "missing; expected one of wrong-answer, garbage, persuasive"),
        (#"{"query": "x", "faults": [{"kind": "lying"}]}"#, "faults[0].kind", "lying"),
        (#"{"query": "x", "faults": [{"kind": "garbage", "agent": "judge"}]}"#, "faults[0].agent", "an agent index or \"random\""),
        (#"{"query": "x", "faults": [{"kind": "garbage", "agent": 64}]}"#, "faults[0].agent", "from 0 to 63"),
        (#"{"query": "x", "faults": [{"kind": "garbage", "colour": 1}]}"#, "faults[0].colour", "unknown field"),
        (#"{"query": "x", "domain": "math", "faults": [{"kind": "wrong-answer", "value": "many"}]}"#, "faults[0].value", "kind 'number'"),
        (#"{"query": "x", "tests": {"language": "ruby", "source": "x"}}"#, "tests.language", "expected one of python"),
        (#"{"query": "x", "tests": {"timeoutSeconds": 5}}"#, "tests.source", "missing"),
        (#"{"query": "x", "tests": {"source": "x", "memoryMegabytes": 1}}"#, "tests.memoryMegabytes", "from 16"),
    ])
    func malformedTaskNamesItsField(text: String, field: String, problem: String) {
        do {
            _ = try parser.parse(text: text, file: "bad.json")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.file == "bad.json")
            #expect(error.field == field)
            #expect(error.problem.contains(problem), "\(error.problem)")
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix("bad.json:\(error.line): field '\(field)'"))
        }
    }

    @Test func errorsInAJSONFileNameTheLineOfTheField() {
        let text = "{\n  \"query\": \"x\",\n  \"budget\": {\n    \"maxAgents\": 99\n  }\n}"
        #expect(throws: TaskFileError.self) { try parser.parse(text: text, file: "task.json") }
        do {
            _ = try parser.parse(text: text, file: "task.json")
        } catch {
            #expect(error.line == 4)
            #expect(error.description == "task.json:4: field 'budget.maxAgents': expected an integer from 1 to 64, got 99")
        }
    }

    @Test func batchErrorsNameTheirLine() {
        let cases: [(String, Int, String?)] = [
            ("{\"query\": \"a\"}\n\n{\"query\": \"b\",}\n", 3, nil),
            ("{\"query\": \"a\"}\n{\"query\": \"b\", \"budget\": {\"maxRounds\": 0}}\n", 2, "budget.maxRounds"),
            ("{\"id\": \"same\", \"query\": \"a\"}\n{\"id\": \"same\", \"query\": \"b\"}\n", 2, "id"),
            ("\n\n", 1, nil),
        ]
        for (text, line, field) in cases {
            do {
                _ = try parser.parse(text: text, file: "batch.jsonl")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.field == field, "\(error)")
            }
        }
    }

    @Test func batchGivesEachTaskAnIDFromItsLine() throws {
        let tasks = try parser.parse(text: "{\"query\": \"a\"}\n\n{\"query\": \"b\"}\n", file: "dir/set.jsonl")
        #expect(tasks.map(\.id) == ["set-1", "set-3"])
    }

    @Test func everyExampleTaskFileIsValid() throws {
        let folder = TestSupport.repositoryRoot.appendingPathComponent("Workflows/tasks")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") || $0.hasSuffix(".jsonl") }
        #expect(files.count >= 3)
        for file in files {
            let tasks = try parser.load(path: folder.appendingPathComponent(file).path)
            #expect(!tasks.isEmpty)
        }
        #expect(try parser.load(path: folder.appendingPathComponent("sample-50.jsonl").path).count == 50)
    }
}
