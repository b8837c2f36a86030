import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// RouterBench's cells, bare-letter answers, the agreement rule and the refusal of message-reading topologies on a
/// recorded fleet, on hand-written data.
@Suite(.timeLimit(.minutes(5))) struct RecordedPlansTests {
    @Test func pythonListsOfStringsParseWithTheirEscapesAndBadOnesNameThePosition() throws {
        #expect(try PythonStringList.parse(#"['D\n']"#) == ["D\n"])
        #expect(try PythonStringList.parse(#"["it's", 'say \"hi\"', '\\x41\u00e9\t']"#) == ["it's", "say \"hi\"", "\\x41é\t"])
        #expect(try PythonStringList.parse(" [ ] ") == [])
        #expect(try PythonStringList.parse(#"['a\x41']"#) == ["aA"])
        let unclosed = #expect(throws: PythonStringList.SyntaxError.self) { try PythonStringList.parse("['open") }
        #expect(unclosed?.description == "at character 2: the string is not closed")
        #expect(throws: PythonStringList.SyntaxError.self) { try PythonStringList.parse("['a'] trailing") }
        #expect(throws: PythonStringList.SyntaxError.self) { try PythonStringList.parse("('a',)") }
    }

    @Test func aReplyThatIsOnlyAChoiceLetterIsReadButTextStartingWithACapitalIsNot() {
        for (reply, letter) in [("D", "D"), ("D\n", "D"), ("A)", "A"), ("C.", "C"), ("(B)", "B"), ("A) Ian", "A"), ("B: Dennis\nbecause", "B")] {
            #expect(AnswerExtractor.extract(from: reply, kind: .choice) == letter, "\(reply)")
        }
        for reply in ["I do", "A man walks in", "Based on the passage", "Okay,", ""] {
            #expect(AnswerExtractor.extract(from: reply, kind: .choice) == nil, "\(reply)")
        }
    }

    @Test func anAgreementStandsOnlyOnOneReadableUncheckedAnswer() {
        typealias Answer = CascadeAgreement.Answer
        #expect(CascadeAgreement.decide([Answer(agent: 0, answer: "B"), Answer(agent: 1, answer: "B")]).agrees)
        #expect(!CascadeAgreement.decide([Answer(agent: 0, answer: "B"), Answer(agent: 1, answer: "C")]).agrees)
        #expect(!CascadeAgreement.decide([Answer(agent: 0, answer: "B"), Answer(agent: 1, answer: nil)]).agrees)
        #expect(!CascadeAgreement.decide([Answer(agent: 0, answer: "B", failedCheck: "choice"), Answer(agent: 1, answer: "B")]).agrees)
        #expect(
            !CascadeAgreement.decide([Answer(agent: 0, answer: nil, textRecorded: false), Answer(agent: 1, answer: nil, textRecorded: false)]).agrees
        )
        #expect(!CascadeAgreement.decide([Answer(agent: 0, answer: "B")]).agrees)
        #expect(CascadeAgreement.decide([Answer(agent: 3, answer: "7"), Answer(agent: 4, answer: "8")]).reason == "disagree: agent 3 7 · agent 4 8")
    }

    /// A recorded fleet of three models over two hand-written questions, and the orchestrator answering from it.
    static func recorded() async throws -> (Orchestrator, RecordedOutcomes) {
        let models = ["cheap-a", "cheap-b", "dear"].enumerated().map { index, name in
            ModelSpec(
                name: name,
                provider: .recorded,
                modelID: name,
                inputPricePerMillion: [0.2, 0.6, 10][index],
                outputPricePerMillion: [0.2, 0.6, 30][index],
                description: name
            )
        }
        let catalog = try TestSupport.catalog(models: models)
        var outcomes = RecordedOutcomes()
        let options = "Which is a mammal?\nA) shark\nB) whale\nC) trout\nAnswer:"
        outcomes.add(
            RecordedOutcomes.Item(
                dataset: "demo",
                id: "agree",
                query: options,
                expected: ExpectedAnswer(value: "B", kind: .choice),
                domain: .knowledge,
                outcomes: [
                    "cheap-a": .init(correct: true, response: "B", costUSD: 0.001),
                    "cheap-b": .init(correct: true, response: "B\n", costUSD: 0.002),
                    "dear": .init(correct: true, response: "B", costUSD: 0.05),
                ]
            )
        )
        outcomes.add(
            RecordedOutcomes.Item(
                dataset: "demo",
                id: "disagree",
                query: "Which is a bird?\nA) bat\nB) penguin\nC) bee\nAnswer:",
                expected: ExpectedAnswer(value: "B", kind: .choice),
                domain: .knowledge,
                outcomes: [
                    "cheap-a": .init(correct: false, response: "A", costUSD: 0.001),
                    "cheap-b": .init(correct: true, response: "B", costUSD: 0.002),
                    "dear": .init(correct: true, response: "(B)", costUSD: 0.05),
                ]
            )
        )
        outcomes.add(
            RecordedOutcomes.Item(
                dataset: "demo",
                id: "unsure",
                query: "Which is a reptile?\nA) frog\nB) newt\nC) gecko\nAnswer:",
                expected: ExpectedAnswer(value: "C", kind: .choice),
                domain: .knowledge,
                outcomes: [
                    "cheap-a": .init(correct: false, response: "Not sure.", costUSD: 0.001),
                    "cheap-b": .init(correct: true, response: "C", costUSD: 0.002),
                    "dear": .init(correct: true, response: "C", costUSD: 0.05),
                ]
            )
        )
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            providers: ProviderRegistry(recordings: outcomes),
            logger: TestSupport.logger
        )
        return (orchestrator, outcomes)
    }

    static func task(_ item: RecordedOutcomes.Item, topology: String, models: [String]) -> OrchestrationTask {
        OrchestrationTask(
            id: item.id,
            query: item.query,
            domain: item.domain,
            expected: item.expected,
            constraints: Constraints(topology: topology, agentCount: models.count, models: models)
        )
    }

    @Test func anAgreementCascadeCallsTheDearModelOnlyWhenTheCheapOnesDisagree() async throws {
        let (orchestrator, outcomes) = try await Self.recorded()
        let models = ["dear", "cheap-b", "cheap-a"]
        let agreed = try await orchestrator.run(Self.task(outcomes.items[0], topology: "agreement-cascade", models: models), seed: 1)
        #expect(agreed.status == .completed && agreed.answer == "B" && agreed.score == 1)
        #expect(agreed.messageCount == 2)
        #expect(abs(agreed.costUSD - 0.003) < 1e-12)
        #expect(agreed.escalations.map(\.escalates) == [false])
        #expect(agreed.escalations.first?.reason.contains("agree on B") == true)
        let disputed = try await orchestrator.run(Self.task(outcomes.items[1], topology: "agreement-cascade", models: models), seed: 1)
        #expect(disputed.status == .completed && disputed.answer == "B" && disputed.score == 1)
        #expect(disputed.messageCount == 3)
        #expect(abs(disputed.costUSD - 0.053) < 1e-12)
        #expect(disputed.escalations.map(\.escalates) == [true])
        let trace = try #require(try await orchestrator.store.trace(runID: disputed.runID))
        // The dearest model answers afresh: it is shown no other agent's message.
        let last = try #require(trace.messages.last)
        #expect(last.model == "dear" && !last.promptJSON.contains("penguin\\nC) bee\\nAnswer:\\n\\nA cheaper attempt"))
        #expect(trace.deliveries.isEmpty)
    }

    @Test func aTopologyWhoseAgentsReadMessagesIsRefusedOnARecordedFleetAndNeverPlanned() async throws {
        let (orchestrator, outcomes) = try await Self.recorded()
        let debate = try await orchestrator.run(Self.task(outcomes.items[0], topology: "debate", models: ["cheap-a", "cheap-b", "dear"]), seed: 1)
        #expect(debate.status == .failed)
        #expect(debate.error?.contains("topology 'debate' has agents that read other agents' messages") == true, "\(debate.error ?? "-")")
        #expect(debate.error?.contains("agreement-cascade") == true && debate.error?.contains("vote-ensemble") == true)
        for seed in 0..<40 {
            var task = Self.task(outcomes.items[seed % 2], topology: "single", models: ["cheap-a", "cheap-b", "dear"])
            task.constraints = Constraints()
            let sampled = orchestrator.controller.with(parameters: nil, settings: ControllerSettings(selection: .sample, temperature: 50))
            let plan = try await sampled.plan(for: task, seed: UInt64(seed))
            let topology = try #require(orchestrator.catalog.topology(named: plan.topology))
            #expect(topology.isCascade || !topology.readsMessages, "\(plan.topology)")
        }
    }

    @Test func aCascadeOnARecordedFleetAsksItsNextLevelAfresh() async throws {
        let (orchestrator, outcomes) = try await Self.recorded()
        let result = try await orchestrator.run(Self.task(outcomes.items[2], topology: "cascade", models: ["cheap-a", "dear"]), seed: 1)
        #expect(result.status == .completed && result.answer == "C" && result.messageCount == 2)
        #expect(result.escalations.first?.reason == "no readable answer")
        let trace = try #require(try await orchestrator.store.trace(runID: result.runID))
        #expect(trace.deliveries.isEmpty)
        #expect(trace.messages.allSatisfy { !$0.promptJSON.contains("A cheaper attempt") })
    }

    @Test func aRecordedOutcomeWithoutTextGivesNothingToReadWhetherRightOrWrong() async throws {
        var outcomes = RecordedOutcomes()
        for (index, correct) in [true, false].enumerated() {
            outcomes.add(
                RecordedOutcomes.Item(
                    dataset: "mmlu",
                    id: "q\(index)",
                    query: "Question \(index)?\nA) yes\nB) no\nAnswer:",
                    expected: nil,
                    domain: .knowledge,
                    outcomes: ["cheap-a": .init(correct: correct)]
                )
            )
        }
        let provider = RecordedProvider(outcomes: outcomes)
        let model = ModelSpec(
            name: "cheap-a",
            provider: .recorded,
            modelID: "cheap-a",
            inputPricePerMillion: 1,
            outputPricePerMillion: 1,
            description: "a"
        )
        var replies: [ChatResponse] = []
        for item in outcomes.items {
            let role = try #require(try TestSupport.catalog().roles.first)
            let context = CallContext(
                taskID: item.id,
                query: item.query,
                domain: .knowledge,
                answerKind: .choice,
                expected: nil,
                role: role,
                agentIndex: 0,
                step: 0,
                seed: 1
            )
            replies.append(try await provider.complete(ChatRequest(model: model, messages: [], maxTokens: 64, context: context)))
        }
        #expect(replies.map(\.recordedCorrect) == [true, false])
        #expect(replies.allSatisfy { !$0.textRecorded && $0.content == RecordedProvider.noTextNotice })
        #expect(replies[0].content == replies[1].content)
    }
}
