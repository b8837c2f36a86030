import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Each learned part, fitted and judged on RouteLLM's real recorded outcomes with the labels shuffled across
/// questions (`RecordedOutcomes.withShuffledLabels`), through the code that prints its headline figure: at chance, as
/// it must be when nothing it reads encodes the label. And on MMLU, which kept no responses, the judge has nothing to
/// read: its decisions cannot tell a right answer from a wrong one.
@Suite(.timeLimit(.minutes(5)), .enabled(if: SharedData.runs, SharedData.reason)) struct ShuffledLabelTests {
    static func recordedFleet() throws -> (catalog: Catalog, cheap: ModelSpec, strong: ModelSpec) {
        let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows)
            .load(fleetPath: TestSupport.workflows + "/fleets/recorded-routellm.json")
        return (catalog, try #require(catalog.fleet.model(named: "mixtral-8x7b")), try #require(catalog.fleet.model(named: "gpt-4-1106")))
    }

    /// The graded outcomes of GSM8K, shuffled or not.
    static func gsm8k(shuffled: Bool) async throws -> RecordedOutcomes {
        let graded = try await RecordedProviderTests.outcomes().regraded().outcomes
        var chosen = RecordedOutcomes()
        for item in graded.items where item.dataset == "gsm8k" { chosen.add(item) }
        return shuffled ? chosen.withShuffledLabels(seed: 11) : chosen
    }

    @Test(.exclusive) func theJudgeAndItsGainModelsAreAtChanceOnShuffledLabels() async throws {
        let (_, cheap, strong) = try Self.recordedFleet()
        let shuffled = try await Self.gsm8k(shuffled: true)
        let report = try await TestSupport.onOwnThread {
            LearnedEscalation(cheap: cheap, strong: strong).evaluate(shuffled, dataset: "gsm8k", splitSeeds: [0, 1, 2])
        }
        let aucs = report.splits.map(\.auc)
        // Within two standard errors of chance (about 0.03 each on 400 held-out answers), and never well above it.
        #expect(aucs.count == 3 && aucs.allSatisfy { $0 < 0.56 && $0 > 0.42 }, "ROC areas \(aucs)")
        #expect(abs(aucs.reduce(0, +) / 3 - 0.5) < 0.04, "mean ROC area \(aucs)")
        // Escalating the questions the gain models rank first buys no more than escalating as many at random: the
        // curve stays on the straight line between always-cheap and always-strong.
        for split in report.splits {
            let cheapAlone = split.curve[0].accuracy
            let strongAlone = split.curve[10].accuracy
            for point in split.curve[1..<10] {
                let random = cheapAlone + point.target * (strongAlone - cheapAlone)
                #expect(abs(point.accuracy - random) < 0.05, "at \(point.target): \(point.accuracy) against \(random) at random")
            }
        }
    }

    @Test(.exclusive) func theJudgeSeparatesRightFromWrongOnTheRealLabels() async throws {
        let (_, cheap, strong) = try Self.recordedFleet()
        let graded = try await Self.gsm8k(shuffled: false)
        let report = try await TestSupport.onOwnThread {
            LearnedEscalation(cheap: cheap, strong: strong).evaluate(graded, dataset: "gsm8k", splitSeeds: [0])
        }
        #expect((report.splits.first?.auc ?? 0) > 0.7, "the same code on the real labels: \(report.splits.map(\.auc))")
    }

    @Test(.exclusive) func theOutcomeModelRoutesAtChanceOnShuffledLabels() async throws {
        let (_, cheap, strong) = try Self.recordedFleet()
        let graded = try await RecordedProviderTests.outcomes().regraded().outcomes
        var chosen = RecordedOutcomes()
        var counts: [String: Int] = [:]
        for item in graded.items where counts[item.dataset, default: 0] < 300 {
            counts[item.dataset, default: 0] += 1
            chosen.add(item)
        }
        let shuffled = chosen.withShuffledLabels(seed: 5)
        let report = try await TestSupport.onOwnThread {
            PreRoutingStudy(outcomes: shuffled, cheapModelID: cheap.modelID, dearModelID: strong.modelID)
                .evaluate(folds: 5, seeds: [0, 1], bootstrapSamples: 100)
        }
        #expect(report.questions == 600)
        #expect(abs(report.modelAPGR - 0.5) < 0.08, "APGR \(report.modelAPGR) on shuffled labels")
    }

    @Test(.exclusive) func onRecordedMMLUTheJudgeCannotTellARightAnswerFromAWrongOne() async throws {
        let (catalog, cheap, strong) = try Self.recordedFleet()
        let outcomes = try await RecordedProviderTests.outcomes()
        // A judge that has learned words: fitted on GSM8K's responses (MMLU kept none).
        let judge = try #require(LabelledAnswers(recorded: outcomes, fleet: catalog.fleet).judge(fleet: catalog.fleet))
        #expect(judge.fits[cheap.name] != nil)
        var parameters = try await CascadedController(catalog: catalog).zeroParameters
        parameters.escalationJudge = judge
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: try TraceStore.inMemory(),
            configuration: OrchestratorConfiguration(databasePath: nil, controllerParameters: parameters),
            providers: ProviderRegistry(recordings: outcomes),
            logger: TestSupport.logger
        )
        let items = outcomes.items.filter { $0.dataset == "mmlu" }.prefix(120)
        let tasks = CascadeEvaluation.tasks(Array(items), topology: "cascade", models: [cheap.name, strong.name])
        let results = try await orchestrator.runBatch(tasks, seed: 1, parallel: 4)
        var escalatedWhenRight: [Bool] = []
        var escalatedWhenWrong: [Bool] = []
        for (item, result) in zip(items, results) {
            let decision = try #require(result.escalations.first, "\(item.id): \(result.error ?? "")")
            #expect(decision.reason.contains("no response text recorded"), "\(decision.reason)")
            if item.outcomes[cheap.modelID]?.correct == true {
                escalatedWhenRight.append(decision.escalates)
            } else {
                escalatedWhenWrong.append(decision.escalates)
            }
        }
        #expect(!escalatedWhenRight.isEmpty && !escalatedWhenWrong.isEmpty)
        // One decision for every answer, right or wrong: nothing the label could have shaped.
        #expect(Set(escalatedWhenRight + escalatedWhenWrong).count == 1)
        let messages = try await orchestrator.store.messages(runID: try #require(results.first?.runID))
        #expect(messages.allSatisfy { $0.response == nil && $0.answer == nil && $0.recordedCorrect != nil })
    }
}
