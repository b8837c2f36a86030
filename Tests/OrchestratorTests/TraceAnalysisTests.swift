import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Listing, filtering, statistics and exports of stored runs.
@Suite(.timeLimit(.minutes(5))) struct TraceAnalysisTests {
    /// A store holding single, chain and debate runs, one with a quarantined faulty agent, one failed.
    static func populate(_ store: TraceStore) async throws -> [RunResult] {
        let catalog = try TestSupport.catalog(models: [
            TestSupport.simulatedModel("sim-a", latency: 2, accuracy: 0.9, price: 1),
            TestSupport.simulatedModel("sim-b", latency: 4, accuracy: 0.5, price: 3),
        ])
        let orchestrator = try await Orchestrator(
            catalog: catalog,
            store: store,
            configuration: OrchestratorConfiguration(verification: .checkAndQuarantine),
            logger: TestSupport.logger
        )
        var tasks: [OrchestrationTask] = []
        for (index, topology) in ["single", "single", "chain", "debate", "debate", "single"].enumerated() {
            var task = OrchestrationTask(
                id: "t\(index)",
                query: "A shop packs \(index + 3) boxes of 12 pens and sells 7 pens. How many pens are left?",
                domain: .math,
                expected: ExpectedAnswer(value: String((index + 3) * 12 - 7), kind: .number),
                constraints: Constraints(topology: topology)
            )
            if index == 4 { task.faults = [FaultSpec(target: .agent(0), kind: .persuasive)] }
            tasks.append(task)
        }
        var results: [RunResult] = []
        for task in tasks { results.append(try await orchestrator.run(task, seed: 5)) }
        let broken = try await Orchestrator(
            catalog: try TestSupport.catalog(models: [
                TestSupport.unreachableModel()
            ]),
            store: store,
            logger: TestSupport.logger
        )
        results.append(
            try await broken.run(OrchestrationTask(id: "t-failed", query: "What is 2 + 2?", constraints: Constraints(topology: "single")), seed: 1)
        )
        return results
    }

    /// Statistics with sums and means rounded to twelve decimals.
    static func roundingSums(_ statistics: TraceStatistics) -> TraceStatistics {
        var rounded = statistics
        for index in rounded.rows.indices {
            rounded.rows[index].costUSD = (rounded.rows[index].costUSD * 1e12).rounded() / 1e12
            rounded.rows[index].accuracy = rounded.rows[index].accuracy.map { ($0 * 1e12).rounded() / 1e12 }
        }
        return rounded
    }

    /// Every read above the engines — lists, statistics, the stored plans, outcomes and labelled answers training
    /// reads — answers the same on PostgreSQL as on SQLite for the same runs.
    @Test(.enabled(if: PostgresServer.runs, PostgresServer.reason)) func everyReadAnswersTheSameOnPostgreSQLAsOnSQLite() async throws {
        let sqlite = try TraceStore.inMemory()
        let results = try await Self.populate(sqlite)
        try await StoreEngine.postgres.withStore { postgres in
            #expect(try await sqlite.copyRuns(matching: RunFilter(), to: postgres).copied == results.count)
            #expect(try await postgres.counts() == (try await sqlite.counts()))
            #expect(try await postgres.runs(matching: RunFilter()) == (try await sqlite.runs(matching: RunFilter())))
            #expect(try await postgres.recentRuns(limit: 3) == (try await sqlite.recentRuns(limit: 3)))
            for grouping in [TraceStatistics.Grouping.topology, .model, .role] {
                let expected = try await sqlite.statistics(by: grouping)
                #expect(expected.rows.count >= 2, "\(grouping)")
                // PostgreSQL sums costs as exact decimals, SQLite as doubles: equal to the last few bits.
                let got = try await postgres.statistics(by: grouping)
                #expect(Self.roundingSums(got) == Self.roundingSums(expected), "\(grouping): \(got.rows) against \(expected.rows)")
            }
            let plans = try await sqlite.storedPlans()
            #expect(plans.count == results.count - 1, "every run but the failed one")
            #expect(try await postgres.storedPlans().map(\.run) == plans.map(\.run))
            #expect(
                try await postgres.storedPlans(limit: 2).map { $0.decisions.count }
                    == (try await sqlite.storedPlans(limit: 2)).map { $0.decisions.count }
            )
            let outcomes = try await sqlite.recordedOutcomes()
            #expect(!outcomes.items.isEmpty)
            let stored = try await postgres.recordedOutcomes()
            #expect(stored.items.map(\.id) == outcomes.items.map(\.id) && stored.items.map(\.outcomes) == outcomes.items.map(\.outcomes))
            let examples = try await sqlite.judgeExamples()
            #expect(!examples.isEmpty)
            #expect(try await postgres.judgeExamples() == examples)
            #expect(try await postgres.judgeExamples(limit: 3) == (try await sqlite.judgeExamples(limit: 3)))
        }
    }

    @Test(arguments: StoreEngine.available) func filtersSelectExactlyTheMatchingRuns(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let results = try await Self.populate(store)
            let all = try await store.runs(matching: RunFilter())
            #expect(all.count == results.count)
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.startedAt >= $1.startedAt }, "newest first")
            #expect(try await store.runs(matching: RunFilter(status: .failed)).map(\.taskID) == ["t-failed"])
            #expect(Set(try await store.runs(matching: RunFilter(topology: "debate")).map(\.taskID)) == ["t3", "t4"])
            #expect(try await store.runs(matching: RunFilter(model: "unreachable")).map(\.taskID) == ["t-failed"])
            let scoredWell = try await store.runs(matching: RunFilter(minScore: 1)).map(\.taskID)
            #expect(Set(scoredWell) == Set(results.filter { $0.score == 1 }.map(\.taskID)))
            let scoredBadly = try await store.runs(matching: RunFilter(maxScore: 0)).map(\.taskID)
            #expect(Set(scoredBadly) == Set(results.filter { $0.score == 0 }.map(\.taskID)))
            #expect(try await store.runs(matching: RunFilter(taskID: "t2")).count == 1)
            let firstRole = try #require(results[0].plan?.agents.first?.role)
            let withRole = try await store.runs(matching: RunFilter(role: firstRole))
            #expect(withRole.contains { $0.taskID == "t0" })
            #expect(try await store.runs(matching: RunFilter(since: Date().addingTimeInterval(60))).isEmpty)
            #expect(try await store.runs(matching: RunFilter(until: Date().addingTimeInterval(60))).count == results.count)
            let newestTwo = try await store.runs(matching: RunFilter(limit: 2))
            #expect(newestTwo.map(\.id) == Array(all.prefix(2)).map(\.id))
            let newestSingle = try await store.runs(matching: RunFilter(topology: "single", limit: 1))
            #expect(newestSingle.count == 1 && newestSingle[0].topology == "single")
        }
    }

    @Test(arguments: StoreEngine.available) func statisticsAddUpToTheStoredRowsInEveryGrouping(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let results = try await Self.populate(store)
            let counts = try await store.counts()
            let byTopology = try await store.statistics(by: .topology)
            #expect(byTopology.rows.reduce(0) { $0 + $1.runs } == results.count)
            let debate = try #require(byTopology.rows.first { $0.key == "debate" })
            #expect(debate.runs == 2 && debate.quarantined >= 1, "the persuasive agent is quarantined")
            let singles = results.filter { $0.plan?.topology == "single" }
            let single = try #require(byTopology.rows.first { $0.key == "single" })
            let scores = singles.compactMap(\.score)
            #expect(single.scored == scores.count)
            #expect(abs((single.accuracy ?? -1) - scores.reduce(0, +) / Double(scores.count)) < 1e-9)
            #expect(abs(single.costUSD - singles.reduce(0) { $0 + $1.costUSD }) < 1e-12)
            #expect(single.failures == 1, "the failed run was planned single")
            for row in byTopology.rows {
                #expect((row.latencyP50 ?? 0) <= (row.latencyP90 ?? 0) && (row.latencyP90 ?? 0) <= (row.latencyP99 ?? 0))
            }
            for grouping in [TraceStatistics.Grouping.model, .role] {
                let statistics = try await store.statistics(by: grouping)
                #expect(statistics.rows.reduce(0) { $0 + ($1.calls ?? 0) } == counts.messages)
                #expect(statistics.rows.reduce(0) { $0 + $1.quarantined } == results.reduce(0) { $0 + $1.verification.quarantinedAgents.count })
            }
            let byModel = try await store.statistics(by: .model)
            let unreachable = try #require(byModel.rows.first { $0.key == "unreachable" })
            #expect(unreachable.failures == unreachable.calls && unreachable.failures > 0)
            let onlyDebates = try await store.statistics(by: .topology, filter: RunFilter(topology: "debate"))
            #expect(onlyDebates.rows.map(\.key) == ["debate"])
        }
    }

    @Test(arguments: StoreEngine.available) func shortIdsResolveAndAmbiguousOnesAreRefused(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let results = try await Self.populate(store)
            let id = results[2].runID
            // Runs made in one second share their first characters (their time); the short id shown is the end.
            #expect(Set(results.map { $0.runID.prefix(8) }).count < results.count)
            #expect(try await store.trace(reference: TraceIDs.short(id)).run.id == id)
            #expect(try await store.trace(reference: id.uppercased()).run.id == id)
            // A run made alone in an older store is still found by its first characters.
            var older = try #require(try await store.run(id: id))
            older.id = "0123abcd-0000-4000-8000-00000000beef"
            try await store.beginRun(older)
            #expect(try await store.trace(reference: "0123abcd").run.id == older.id)
            var twin = try #require(try await store.run(id: id))
            twin.id = "twin-" + TraceIDs.short(id).suffix(6)
            try await store.beginRun(twin)
            await #expect {
                _ = try await store.trace(reference: String(TraceIDs.short(id).suffix(6)))
            } throws: { error in
                "\(error)".contains("could be any of 2 runs")
            }
            await #expect {
                _ = try await store.trace(reference: "zz")
            } throws: { error in
                "\(error)".contains("at least 4 characters")
            }
        }
    }

    @Test(arguments: StoreEngine.available) func openTelemetrySpansFormOneTreePerRunWithGenAIAttributes(engine: StoreEngine) async throws {
        try await engine.withStore { store in
            let results = try await Self.populate(store)
            let debate = try #require(results.first { $0.taskID == "t4" })
            let trace = try #require(try await store.trace(runID: debate.runID))
            let spans = OpenTelemetryExport.spans(of: trace)
            #expect(spans.count == 1 + trace.agents.count + trace.messages.count)
            var ids: Set<String> = []
            var parents: [String] = []
            for span in spans {
                guard case .object(let object) = span, case .string(let traceID) = object["traceId"], case .string(let spanID) = object["spanId"]
                else {
                    Issue.record("a span without ids")
                    continue
                }
                #expect(traceID == trace.run.traceID && traceID.count == 32 && spanID.count == 16)
                ids.insert(spanID)
                if case .string(let parent) = object["parentSpanId"] { parents.append(parent) }
            }
            #expect(parents.count == spans.count - 1, "one root")
            #expect(parents.allSatisfy(ids.contains), "every parent is a span of the run")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(OpenTelemetryExport.document([trace]))
            let text = String(decoding: data, as: UTF8.self)
            let message = try #require(trace.messages.first { $0.purpose == "turn" })
            #expect(text.contains(#"{"key":"gen_ai.usage.input_tokens","value":{"intValue":"\#(message.promptTokens)"}}"#))
            #expect(text.contains(#""name":"orchestrate.verification""#) && text.contains(#""name":"orchestrate.delivery""#))
            #expect(text.contains(#""kind":2"#) && !text.contains(#""kind":2.0"#))
        }
    }
}
