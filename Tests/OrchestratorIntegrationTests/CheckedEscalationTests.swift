import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Checked escalation on the real recorded GSM8K responses of Mixtral-8x7B and GPT-4.
@Suite(.enabled(if: SharedData.runs, SharedData.reason), .timeLimit(.minutes(5))) struct CheckedEscalationTests {
    @Test(.exclusive) func checkedEscalationBeatsTheCheapModelAtAFractionOfTheStrongOnesCost() async throws {
        let outcomes = try await RecordedProviderTests.outcomes()
        let fleet = try CatalogLoader(workflowsDirectory: TestSupport.workflows)
            .load(fleetPath: TestSupport.workflows + "/fleets/recorded-routellm.json").fleet
        let cheap = try #require(fleet.model(named: "mixtral-8x7b"))
        let strong = try #require(fleet.model(named: "gpt-4-1106"))
        let report = try await TestSupport.onOwnThread { CheckedEscalation(cheap: cheap, strong: strong).evaluate(outcomes, dataset: "gsm8k") }
        #expect(report.questions == 1319)

        let byName = Dictionary(uniqueKeysWithValues: report.strategies.map { ($0.name, $0) })
        let alwaysCheap = try #require(byName["always mixtral-8x7b"])
        let alwaysStrong = try #require(byName["always gpt-4-1106"])
        let oracle = try #require(byName["oracle"])
        let checked = try #require(byName["checked (failed-checks)"])
        #expect(abs(alwaysCheap.accuracy - 0.6384) < 0.0001 && abs(alwaysStrong.accuracy - 0.8567) < 0.0001)
        #expect(checked.accuracy > alwaysCheap.accuracy + 0.03, "checked \(checked.accuracy) vs cheap \(alwaysCheap.accuracy)")
        #expect(checked.costUSD < alwaysStrong.costUSD * 0.25)
        // Counted here from the recorded outcomes themselves.
        let gsm8k = outcomes.items.filter { $0.dataset == "gsm8k" }
        let either = gsm8k.filter { $0.outcomes[cheap.modelID]?.correct == true || $0.outcomes[strong.modelID]?.correct == true }
        let cheapWrong = gsm8k.filter { $0.outcomes[cheap.modelID]?.correct == false }
        #expect(abs(oracle.accuracy - Double(either.count) / 1319) < 1e-12)
        // The oracle calls the strong model only where it is needed: the cheap model wrong, the strong one right.
        let needed = cheapWrong.filter { $0.outcomes[strong.modelID]?.correct == true }
        #expect(oracle.strongCalls == needed.count, "oracle calls \(oracle.strongCalls), needed \(needed.count)")

        let detection = try #require(report.detections.first { $0.trigger == "failed-checks" })
        #expect(detection.wrong == cheapWrong.count && detection.right == 1319 - cheapWrong.count)
        #expect(detection.catchRate > 0.15, "caught \(detection.caught) of \(detection.wrong)")
        #expect(detection.falseAlarmRate < 0.03, "false alarms \(detection.falseAlarms) of \(detection.right)")
    }
}
