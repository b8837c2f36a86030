import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Two replicas recording into one PostgreSQL store keep a model's limits between them: each replica here is an
/// orchestrator with a store of its own (its own pool of connections to the same database) and gates of its own, as a
/// `serve` process has.
@Suite(.enabled(if: PostgresServer.runs, PostgresServer.reason), .timeLimit(.minutes(4)))
struct SharedModelLimitsTests {
    /// Counts the calls that reach the provider: when each started, and the most in flight at once.
    actor CallLog {
        private(set) var starts: [ContinuousClock.Instant] = []
        private(set) var callers: [String: Int] = [:]
        private(set) var peak = 0
        private var current = 0

        func enter(_ caller: String) {
            starts.append(.now)
            callers[caller, default: 0] += 1
            current += 1
            peak = max(peak, current)
        }

        func leave() { current -= 1 }
    }

    /// A counting stub: holds each call 100 ms and answers 77.
    struct CountingProvider: LLMProvider {
        let log: CallLog
        let replica: String

        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            await log.enter(replica)
            try? await Task.sleep(for: .milliseconds(100))
            await log.leave()
            return ChatResponse(content: "14 * 12 - 91 = 77\nAnswer: 77", usage: TokenUsage(promptTokens: 10, completionTokens: 5, estimated: false))
        }
    }

    /// 75 runs over two replicas of a model limited to 60 requests a minute and 3 at once: the first 60 calls go at
    /// once, the other 15 wait for the minute to pass, and never more than 3 are in flight. Alone, each replica would
    /// allow 60 a minute and 3 at once of its own.
    @Test func twoReplicasMakeAtMost60CallsInAnyMinuteAnd3AtOnce() async throws {
        let log = CallLog()
        let model = ModelSpec(
            name: "limited",
            provider: .openai,
            modelID: "limited",
            endpoint: "http://127.0.0.1:1/v1",
            inputPricePerMillion: 1,
            outputPricePerMillion: 1,
            description: "a provider's shared limit",
            limits: ModelLimits(concurrency: 3, requestsPerMinute: 60)
        )
        let catalog = try TestSupport.catalog(models: [model])
        try await StoreEngine.postgres.withDatabase { url in
            var replicas: [Orchestrator] = []
            for name in ["a", "b"] {
                replicas.append(
                    try await Orchestrator(
                        catalog: catalog,
                        store: try await TraceStore.open(TraceDatabaseLocation(url), logger: TestSupport.logger),
                        providers: ProviderRegistry(everyModel: CountingProvider(log: log, replica: name), label: "counting"),
                        logger: TestSupport.logger
                    )
                )
            }
            let clock = ContinuousClock()
            let start = clock.now
            let statuses = try await withThrowingTaskGroup(of: RunStatus.self) { group in
                for index in 0..<75 {
                    let replica = replicas[index % 2]
                    group.addTask {
                        let task = OrchestrationTask(id: "t\(index)", query: "What is 14 * 12 - 91?", constraints: Constraints(topology: "single"))
                        return try await replica.run(task, seed: UInt64(index)).status
                    }
                }
                return try await group.reduce(into: [RunStatus]()) { $0.append($1) }
            }
            #expect(statuses.count == 75 && statuses.allSatisfy { $0 == .completed }, "\(statuses)")
            let starts = await log.starts.sorted()
            #expect(starts.count == 75)
            let tightest = zip(starts, starts.dropFirst(60)).map { $1 - $0 }.min() ?? .zero
            #expect(tightest >= .seconds(60), "61 calls within \(tightest): more than 60 in a minute")
            print("shared limits: 75 calls over 2 replicas; the tightest 61 calls spanned \(tightest); at most \(await log.peak) at once")
            #expect(clock.now - start >= .seconds(60), "the last 15 calls waited for the minute")
            #expect(await log.peak <= 3, "at most 3 calls in flight across both replicas")
            let callers = await log.callers
            #expect(callers["a", default: 0] > 0 && callers["b", default: 0] > 0, "both replicas called: \(callers)")
        }
    }
}
