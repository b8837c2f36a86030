import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// The OpenAI-compatible server, through HummingbirdTesting's router client.
@Suite(.timeLimit(.minutes(5))) struct ServerTests {
    static let question = #"{"role":"user","content":"A bakery makes 14 trays of 12 muffins and sells 91 of them. How many muffins are left?"}"#

    static func server(
        token: String? = nil,
        maxBodyBytes: Int = 1 << 20,
        maxConcurrentRuns: Int = 16,
        providers: ProviderRegistry = ProviderRegistry(),
        catalog: Catalog? = nil
    ) async throws -> OrchestratorServer {
        let orchestrator = try await Orchestrator(
            catalog: try catalog ?? TestSupport.catalog(),
            store: try TraceStore.inMemory(),
            providers: providers,
            logger: TestSupport.logger
        )
        return try OrchestratorServer(
            orchestrator: orchestrator,
            configuration: ServerConfiguration(token: token, maxBodyBytes: maxBodyBytes, maxConcurrentRuns: maxConcurrentRuns),
            logger: TestSupport.logger
        )
    }

    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    static func error(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try object(buffer)["error"] as? [String: Any])
    }

    @Test func aChatCompletionRunsTheTaskAndAnswersInOpenAIsShape() async throws {
        let server = try await Self.server()
        try await server.application().test(.router) { client in
            let body =
                #"{"model":"auto","messages":[{"role":"system","content":"Answer with a number."},\#(Self.question)],"orchestrate":{"expected":"77"},"seed":7}"#
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let reply = try Self.object(response.body)
                #expect(reply["object"] as? String == "chat.completion" && reply["model"] as? String == "auto")
                let choice = try #require((reply["choices"] as? [[String: Any]])?.first)
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["role"] as? String == "assistant")
                #expect(choice["finish_reason"] as? String == "stop")
                let usage = try #require(reply["usage"] as? [String: Int])
                #expect(usage["total_tokens"] == (usage["prompt_tokens"] ?? 0) + (usage["completion_tokens"] ?? 0) && usage["total_tokens"] ?? 0 > 0)
                let details = try #require(reply["orchestrate"] as? [String: Any])
                let runID = try #require(details["run_id"] as? String)
                #expect(reply["id"] as? String == "chatcmpl-\(runID)")
                #expect((details["agents"] as? [Any])?.isEmpty == false && details["topology"] != nil)
                let stored = try #require(try await server.orchestrator.store.run(id: runID))
                let answer = try #require(stored.answer, "the run answered")
                #expect(message["content"] as? String == answer, "the answer is the assistant's message")
                #expect(details["score"] as? Double == stored.score && stored.score != nil, "scored against the expected answer")
                #expect(stored.query.contains("Context:\nsystem: Answer with a number.") && stored.seed == "7")
            }
            let pinned = #"{"model":"debate","messages":[\#(Self.question)],"orchestrate":{"agents":3,"verify":"off"}}"#
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: pinned)) { response in
                let details = try #require(try Self.object(response.body)["orchestrate"] as? [String: Any])
                #expect(details["topology"] as? String == "debate" && (details["agents"] as? [Any])?.count == 3)
                #expect((details["verification"] as? [String: Any])?["policy"] as? String == "off")
            }
        }
    }

    /// OpenAI's `seed` reproduces a run: without a task id the task is named after its query, so two identical
    /// requests with one seed get the same plan and, on the simulated fleet, the same turns and answer; another query
    /// is another task.
    @Test func aRequestsSeedReproducesItsRun() async throws {
        let server = try await Self.server()
        try await server.application().test(.router) { client in
            func ask(_ question: String) async throws -> (task: String, plan: [String], turns: [String], answer: String?) {
                let body = #"{"model":"auto","seed":5,"messages":[\#(question)]}"#
                let response = try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body))
                let details = try #require(try Self.object(response.body)["orchestrate"] as? [String: Any])
                let runID = try #require(details["run_id"] as? String)
                let run = try #require(try await server.orchestrator.store.run(id: runID))
                let messages = try await server.orchestrator.store.messages(runID: run.id)
                let plan = (details["agents"] as? [[String: Any]] ?? []).map { "\($0["role"] ?? "")/\($0["model"] ?? "")" }
                return (
                    run.taskID, [details["topology"] as? String ?? ""] + plan,
                    messages.map { "\($0.step)/\($0.agentIndex): \($0.response ?? "")" }.sorted(), run.answer
                )
            }
            let first = try await ask(Self.question)
            let second = try await ask(Self.question)
            #expect(first.task == second.task && first.task.hasPrefix("chat-"))
            #expect(first.plan == second.plan && first.plan.count > 1)
            #expect(first.turns == second.turns && !first.turns.isEmpty, "the same turns, word for word")
            #expect(first.answer == second.answer && first.answer != nil)
            let other = try await ask(#"{"role":"user","content":"What is 6 times 7?"}"#)
            #expect(other.task != first.task, "another question is another task")
        }
    }

    /// The root leads to the web trace viewer, with or without a token.
    @Test func theRootRedirectsToTheViewer() async throws {
        for token in [nil, "secret"] {
            try await Self.server(token: token).application().test(.router) { client in
                let response = try await client.execute(uri: "/", method: .get)
                #expect(response.status == .found && response.headers[.location] == "/ui")
            }
        }
    }

    @Test func badRequestsGetOpenAIErrorsThatNameTheField() async throws {
        let server = try await Self.server(maxBodyBytes: 2048)
        try await server.application().test(.router) { client in
            let cases: [(String, Int, String, String?)] = [
                (#"{"model":"nope","messages":[\#(Self.question)]}"#, 404, "model_not_found", "model"),
                (#"{"model":"auto"}"#, 400, "missing field 'messages'", "messages"),
                (#"{"model":"auto","messages":[\#(Self.question)],"stream":true,"n":3}"#, 400, "only n = 1", "n"),
                (#"{"model":"auto","messages":[\#(Self.question)],"n":2}"#, 400, "only n = 1", "n"),
                (#"{"model":"auto","messages":[{"role":"system","content":"hi"}]}"#, 400, "at least one user message", "messages"),
                (#"{"model":"single","messages":[\#(Self.question)],"orchestrate":{"agents":4}}"#, 400, "orchestrate.constraints.agentCount", nil),
                (
                    #"{"model":"auto","messages":[\#(Self.question)],"orchestrate":{"verify":"sometimes"}}"#, 400, "orchestrate.verify",
                    "orchestrate.verify"
                ),
                ("{not json", 400, "not valid JSON", nil),
                (
                    #"{"model":"auto","messages":[{"role":"user","content":"\#(String(repeating: "x", count: 4000))"}]}"#, 413,
                    "larger than the limit", nil
                ),
            ]
            for (body, status, text, param) in cases {
                try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(Int(response.status.code) == status, "\(body.prefix(60)): \(String(buffer: response.body))")
                    let error = try Self.error(response.body)
                    let words = "\(error["message"] ?? "") \(error["code"] ?? "")"
                    #expect(words.contains(text), "\(words)")
                    if let param { #expect(error["param"] as? String == param, "\(error)") }
                    #expect(error["type"] is String)
                }
            }
            try await client.execute(uri: "/v1/nowhere", method: .get) { response in
                let error = try Self.error(response.body)
                #expect(response.status == .notFound && error["type"] as? String == "not_found_error")
            }
        }
    }

    @Test func aTokenGuardsEveryRouteButHealth() async throws {
        let server = try await Self.server(token: "s3cret")
        try await server.application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "s3cret"]] {
                try await client.execute(uri: "/v1/models", method: .get, headers: headers) { response in
                    let error = try Self.error(response.body)
                    #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(error["code"] as? String == "invalid_api_key")
                }
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                let ids = (try Self.object(response.body)["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                #expect(ids.first == "auto" && ids.contains("debate"))
            }
        }
        #expect(throws: ServerConfigurationError.self) {
            _ = try OrchestratorServer(
                orchestrator: server.orchestrator,
                configuration: ServerConfiguration(host: "0.0.0.0"),
                logger: TestSupport.logger
            )
        }
        #expect(ServerConfiguration(host: "127.0.0.2").isLoopback && !ServerConfiguration(host: "192.168.1.4").isLoopback)
    }

    @Test func runsAreListedAndReadBack() async throws {
        let server = try await Self.server()
        try await server.application().test(.router) { client in
            var runIDs: [String] = []
            for model in ["single", "chain"] {
                let body = #"{"model":"\#(model)","messages":[\#(Self.question)]}"#
                try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                    runIDs.append(try #require((try Self.object(response.body)["orchestrate"] as? [String: Any])?["run_id"] as? String))
                }
            }
            try await client.execute(uri: "/v1/runs?limit=5&topology=chain", method: .get) { response in
                let runs = try #require(try Self.object(response.body)["data"] as? [[String: Any]])
                #expect(runs.map { $0["id"] as? String } == [runIDs[1]])
            }
            try await client.execute(uri: "/v1/runs?status=bogus", method: .get) { response in
                let error = try Self.error(response.body)
                #expect(response.status == .badRequest && error["param"] as? String == "status")
            }
            try await client.execute(uri: "/v1/runs/\(TraceIDs.short(runIDs[0]))", method: .get) { response in
                let trace = try Self.object(response.body)
                #expect((trace["run"] as? [String: Any])?["id"] as? String == runIDs[0])
                #expect((trace["messages"] as? [Any])?.isEmpty == false && (trace["decisions"] as? [Any])?.isEmpty == false)
            }
            try await client.execute(uri: "/v1/runs/ffffffff", method: .get) { response in
                let error = try Self.error(response.body)
                #expect(response.status == .notFound && error["code"] as? String == "run_not_found")
            }
        }
    }

    @Test func aFailedRunIsA502WithItsRunID() async throws {
        let catalog = try TestSupport.catalog(models: [
            TestSupport.unreachableModel()
        ])
        let server = try await Self.server(catalog: catalog)
        try await server.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                body: ByteBuffer(string: #"{"model":"single","messages":[\#(Self.question)]}"#)
            ) {
                response in
                #expect(response.status == .badGateway)
                let error = try Self.error(response.body)
                let runID = try #require(error["run_id"] as? String)
                #expect(try await server.orchestrator.store.run(id: runID)?.status == .failed, "a failed run is still recorded")
            }
        }
    }

    @Test(arguments: [1, 2, 4])
    func requestsRunConcurrentlyUpToTheLimit(limit: Int) async throws {
        let gauge = ConcurrencyGauge()
        let server = try await Self.server(
            maxConcurrentRuns: limit,
            providers: ProviderRegistry(providers: [.simulated: GaugedProvider(gauge: gauge)])
        )
        try await server.application().test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let body = #"{"model":"single","messages":[\#(Self.question)]}"#
                        try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                            #expect(response.status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let peak = await gauge.peak
        // Six requests of one 150 ms call each: never more in flight than the limit, and more than one when allowed.
        #expect(peak <= limit && peak >= min(limit, 2), "peak calls in flight \(peak) with a limit of \(limit) runs")
    }
}

/// Counts calls in flight.
actor ConcurrencyGauge {
    private(set) var current = 0
    private(set) var peak = 0

    func enter() {
        current += 1
        peak = max(peak, current)
    }

    func leave() { current -= 1 }
}

/// A provider that holds each call for 150 ms while the gauge counts it.
struct GaugedProvider: LLMProvider {
    let gauge: ConcurrencyGauge

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        await gauge.enter()
        try await Task.sleep(for: .milliseconds(150))
        await gauge.leave()
        return ChatResponse(content: "14 * 12 - 91 = 77\nAnswer: 77", usage: TokenUsage(promptTokens: 10, completionTokens: 5, estimated: false))
    }
}

/// The reply's hand-written JSON against the encoder's.
struct ChatCompletionJSONTests {

    /// The reply written by hand is what `JSONEncoder` writes for it, key for key and value for value, with every
    /// optional field set and with none.
    @Test func aRepliesJSONIsWhatTheEncoderWrites() async throws {
        let orchestrator = try await VerificationTests.orchestrator(.checkAndQuarantine)
        let task = VerificationTests.debateTask(faults: [FaultSpec(target: .agent(1), kind: .persuasive, value: "114")])
        var full = try await orchestrator.run(task, seed: 4)
        full.stopReason = "budget of $0.01 reached / \"quoted\""
        full.escalations = [
            EscalationDecision(
                step: 1,
                fromAgent: 0,
                toAgent: 1,
                fromModel: "a",
                toModel: "b",
                probabilityWrong: 0.25,
                threshold: 0.5,
                escalates: false,
                reason: "P(wrong) 0.250"
            )
        ]
        var bare = full
        bare.plan = nil
        bare.score = nil
        bare.stopReason = nil
        bare.escalations = []
        bare.verification.faults = []
        bare.verification.propagationRate = nil
        for index in bare.agentAnswers.indices { bare.agentAnswers[index].answer = nil }
        #expect(full.verification.propagationRate != nil && full.plan?.controllerVersion != nil && full.score != nil)
        let encoder = OrchestratorServer.jsonEncoder()
        for result in [full, bare] {
            let response = ChatCompletionResponse(result: result, model: "orchestrate/auto")
            let expected = try JSONValue.parse(String(decoding: try encoder.encode(response), as: UTF8.self))
            let handWritten = try response.json()
            #expect(try JSONValue.parse(handWritten) == expected, "\(handWritten)")
        }
    }
}
