import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The OpenAI-compatible provider against a server that misbehaves on request: each fault becomes the
/// `ProviderError` a caller can act on.
@Suite(.timeLimit(.minutes(5)), .exclusive) struct OpenAIProviderTests {
    static func model(_ id: String, server: FaultyOpenAIServer, timeout: Double = 5, apiKey: String? = nil) -> ModelSpec {
        ModelSpec(
            name: "test-\(id)",
            provider: .openai,
            modelID: id,
            endpoint: server.baseURL,
            apiKeyEnvironment: apiKey,
            inputPricePerMillion: 1,
            outputPricePerMillion: 2,
            description: "model \(id) behind the fault-injecting test server",
            limits: ModelLimits(timeoutSeconds: timeout),
            decoding: DecodingSettings(temperature: 0.3, topP: 0.9, maxTokens: 64, stop: ["\n\n"])
        )
    }

    static func request(_ model: ModelSpec) throws -> ChatRequest {
        let role = try #require(try TestSupport.catalog().role(named: "general.assistant"))
        return ChatRequest(
            model: model,
            messages: [ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: "What is 2 + 2?")],
            maxTokens: 128,
            context: CallContext(
                taskID: "t",
                query: "What is 2 + 2?",
                domain: .math,
                answerKind: .number,
                expected: nil,
                role: role,
                agentIndex: 0,
                step: 0,
                seed: 1
            )
        )
    }

    /// Calls the provider once against a server playing one behaviour and returns the error it threw.
    static func failure(
        of behaviour: FaultyOpenAIServer.Behaviour,
        timeout: Double = 5,
        maxResponseBytes: Int = OpenAICompatibleProvider.defaultMaxResponseBytes
    ) async throws -> ProviderError? {
        let server = try await FaultyOpenAIServer.start(["m": [behaviour]])
        defer { Task { await server.stop() } }
        let provider = OpenAICompatibleProvider(maxResponseBytes: maxResponseBytes, environment: [:])
        do {
            _ = try await provider.complete(try request(model("m", server: server, timeout: timeout)))
            return nil
        } catch let error as ProviderError {
            return error
        }
    }

    @Test func aGoodReplyGivesContentReportedUsageAndSendsTheFleetsSettings() async throws {
        let server = try await FaultyOpenAIServer.start(["m": [.reply("2 + 2 = 4\nAnswer: 4")]])
        defer { Task { await server.stop() } }
        let provider = OpenAICompatibleProvider(environment: ["TEST_KEY": "sk-test-123"])
        let response = try await provider.complete(try Self.request(Self.model("m", server: server, apiKey: "TEST_KEY")))
        #expect(response.content == "2 + 2 = 4\nAnswer: 4")
        #expect(response.usage == TokenUsage(promptTokens: 42, completionTokens: 7, estimated: false))
        #expect(response.finishReason == "stop")
        let received = try #require(await server.script.received.first)
        #expect(received.authorization == "Bearer sk-test-123")
        #expect(received.body["max_tokens"] as? Double == 64)
        #expect(received.body["temperature"] as? Double == 0.3)
        #expect(received.body["top_p"] as? Double == 0.9)
        #expect(received.body["messages"] as? Int == 2)
    }

    @Test func aReplyWithoutUsageIsEstimatedAndMarkedSo() async throws {
        let server = try await FaultyOpenAIServer.start(["m": [.replyWithoutUsage("Answer: 4")]])
        defer { Task { await server.stop() } }
        let response = try await OpenAICompatibleProvider(environment: [:]).complete(try Self.request(Self.model("m", server: server)))
        #expect(response.usage.estimated)
        #expect(response.usage.promptTokens > 0 && response.usage.completionTokens > 0)
    }

    @Test func aMissingAPIKeyIsAConfigurationErrorNamingTheVariable() async throws {
        let server = try await FaultyOpenAIServer.start(["m": [.reply("Answer: 4")]])
        defer { Task { await server.stop() } }
        let provider = OpenAICompatibleProvider(environment: [:])
        let error = await #expect(throws: ProviderError.self) {
            try await provider.complete(try Self.request(Self.model("m", server: server, apiKey: "ABSENT_KEY")))
        }
        #expect(error?.kind == .misconfigured)
        #expect(error?.message.contains("ABSENT_KEY") == true)
        #expect(await server.script.received.isEmpty)
    }

    @Test func rateLimitingIsRetryableAndCarriesRetryAfter() async throws {
        let error = try #require(try await Self.failure(of: .status(429, retryAfter: "3")))
        #expect(error.kind == .rateLimited)
        #expect(error.isRetryable)
        #expect(error.retryAfterSeconds == 3)
        #expect(error.httpStatus == 429)
    }

    @Test func serverErrorsAreRetryableAndClientErrorsAreNot() async throws {
        let server = try #require(try await Self.failure(of: .status(500)))
        #expect(server.kind == .failed && server.isRetryable && server.httpStatus == 500)
        #expect(server.message.contains("injected failure 500"))
        let client = try #require(try await Self.failure(of: .status(400)))
        #expect(client.kind == .failed && !client.isRetryable && client.httpStatus == 400)
    }

    @Test func aReplySlowerThanTheTimeoutIsARetryableTimeout() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        // The reply would take 20 s: giving up after the 0.3 s timeout must end far sooner, however loaded the machine
        // (a bound of 2 s against a 3 s reply failed once under CI's load at 2.2 s).
        let error = try #require(try await Self.failure(of: .slow(seconds: 20, then: "Answer: 4"), timeout: 0.3))
        #expect(error.kind == .timeout && error.isRetryable)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func unusableRepliesAreClearInvalidResponses() async throws {
        let truncated = try #require(try await Self.failure(of: .truncatedJSON))
        #expect(truncated.kind == .invalidResponse && truncated.message.contains("not valid JSON"))
        let noChoices = try #require(try await Self.failure(of: .emptyChoices))
        #expect(noChoices.kind == .invalidResponse && noChoices.message.contains("no choices"))
        let empty = try #require(try await Self.failure(of: .emptyContent))
        #expect(empty.kind == .invalidResponse && empty.message.contains("empty"))
        let oversize = try #require(try await Self.failure(of: .oversize(bytes: 50_000), maxResponseBytes: 10_000))
        #expect(oversize.kind == .invalidResponse && oversize.message.contains("larger than"))
        #expect(!oversize.isRetryable)
    }

    @Test func aClosedConnectionIsARetryableConnectionError() async throws {
        let error = try #require(try await Self.failure(of: .closeConnection))
        #expect(error.kind == .connection && error.isRetryable)
    }

    @Test func nothingListeningIsAConnectionError() async throws {
        let server = try await FaultyOpenAIServer.start([:])
        let model = Self.model("m", server: server)
        await server.stop()
        let error = await #expect(throws: ProviderError.self) {
            try await OpenAICompatibleProvider(environment: [:]).complete(try Self.request(model))
        }
        #expect(error?.kind == .connection)
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(RetryAfter.seconds(from: "7", now: now) == 7)
        #expect(RetryAfter.seconds(from: "Mon, 12 Jan 1970 13:46:50 GMT", now: now) == 10)
        #expect(RetryAfter.seconds(from: "soon", now: now) == nil)
        #expect(RetryAfter.seconds(from: nil, now: now) == nil)
    }

    @Test func theEndpointCanComeFromTheEnvironment() async throws {
        let server = try await FaultyOpenAIServer.start(["m": [.reply("Answer: 4")]])
        defer { Task { await server.stop() } }
        var model = Self.model("m", server: server)
        model.endpoint = "http://127.0.0.1:9/v1"
        model.endpointEnvironment = "TEST_ENDPOINT"
        let provider = OpenAICompatibleProvider(environment: ["TEST_ENDPOINT": server.baseURL])
        let response = try await provider.complete(try Self.request(model))
        #expect(response.content == "Answer: 4")
    }
}
