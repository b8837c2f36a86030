import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// The trained cascade on the real recorded outcomes of ../shared/data.
@Suite(.timeLimit(.minutes(5))) struct CascadeRecordedDataTests {
    /// The trained cascade on real recorded GSM8K answers, run by the orchestrator on held-out questions: it buys
    /// most of the strong model's accuracy at about a third of its cost, against costs the executor recorded.
    @Test(.exclusive, .enabled(if: SharedData.runs, SharedData.reason)) func theTrainedCascadeOnRecordedGSM8KBuysAccuracyWithinItsBudget()
        async throws
    {
        let catalog = try CatalogLoader(workflowsDirectory: TestSupport.workflows)
            .load(fleetPath: TestSupport.workflows + "/fleets/recorded-routellm.json")
        let cheap = try #require(catalog.fleet.model(named: "mixtral-8x7b"))
        let strong = try #require(catalog.fleet.model(named: "gpt-4-1106"))
        let outcomes = try await RecordedProviderTests.outcomes().regraded().outcomes
        let report = try await CascadeEvaluation(catalog: catalog, outcomes: outcomes, cheap: cheap, strong: strong, logger: TestSupport.logger)
            .evaluate(dataset: "gsm8k", splitSeeds: [1], budgets: [0.35])
        let rows = try #require(report.splits.first?.rows)
        #expect(rows.map(\.name) == ["always mixtral-8x7b", "always gpt-4-1106", "oracle", "fixed rule (checks)", "cascade at 35%"])
        let (alone, strongAlone, oracle, fixed, cascade) = (rows[0], rows[1], rows[2], rows[3], rows[4])
        #expect(oracle.accuracy > strongAlone.accuracy && oracle.costShare < 0.5)
        // The judge buys more than the checks alone do.
        #expect(cascade.accuracy > fixed.accuracy, "cascade \(cascade.accuracy), fixed rule \(fixed.accuracy)")
        #expect(abs(strongAlone.costShare - 1) < 1e-9 && alone.costShare < 0.05)
        #expect(cascade.costShare > 0.2 && cascade.costShare < 0.4, "cost share \(cascade.costShare)")
        #expect(cascade.accuracy > alone.accuracy + 0.1, "cascade \(cascade.accuracy) against \(alone.accuracy)")
        let escalated = try #require(cascade.escalated)
        #expect(escalated > 0.1 && escalated < 0.35)
    }
}
