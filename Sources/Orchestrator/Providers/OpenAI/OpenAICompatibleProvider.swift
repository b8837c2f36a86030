import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls any OpenAI-compatible chat-completions endpoint: OpenAI, vLLM, llama.cpp's server, Ollama,
/// LM Studio, OpenRouter.
///
/// One call is one HTTP request: `POST {endpoint}/chat/completions`. The provider classifies every failure
/// as a `ProviderError` (rate limited with its `Retry-After`, server error, timeout, connection, invalid
/// response) and says whether it is worth retrying; the executor retries, backs off and falls back. The API
/// key is read from the environment variable the fleet names at each call, sent only in the
/// `Authorization` header, and never logged or stored.
public struct OpenAICompatibleProvider: LLMProvider {
    /// The HTTP client; `defaultClient` unless you pass your own.
    public var client: HTTPClient
    /// Replies larger than this many bytes are refused.
    public var maxResponseBytes: Int
    /// Where API keys and endpoint overrides are read from.
    public var environment: [String: String]

    /// The default limit on a reply's size: 8 MiB.
    public static let defaultMaxResponseBytes = 8 << 20

    /// A process-wide client that fails a refused connection at once instead of retrying it until the call's
    /// timeout: the executor retries with its own backoff and records every attempt. Never shut down, like
    /// `HTTPClient.shared`.
    public static let defaultClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(
        client: HTTPClient = OpenAICompatibleProvider.defaultClient,
        maxResponseBytes: Int = OpenAICompatibleProvider.defaultMaxResponseBytes,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.client = client
        self.maxResponseBytes = maxResponseBytes
        self.environment = environment
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let model = request.model
        let httpRequest = try makeHTTPRequest(request)
        let timeout = model.limits.timeoutSeconds ?? ModelLimits.defaultTimeoutSeconds
        let deadline = ContinuousClock.now + .milliseconds(timeout * 1000)
        let (status, headers, body): (HTTPResponseStatus, HTTPHeaders, ByteBuffer)
        do {
            (status, headers, body) = try await withTimeLimit(deadline) { [client, maxResponseBytes] in
                let response = try await client.execute(httpRequest, timeout: .milliseconds(Int64(timeout * 1000) + 1000))
                let body = try await response.body.collect(upTo: maxResponseBytes)
                return (response.status, response.headers, body)
            }
        } catch {
            throw classify(error, model: model, timeout: timeout)
        }
        guard (200..<300).contains(status.code) else {
            throw statusError(status, headers: headers, body: body, model: model)
        }
        return try Self.decode(body: body, model: model, request: request)
    }

    /// The endpoint in use: the override from `endpointEnvironment` when set, else `endpoint`.
    public func endpoint(of model: ModelSpec) -> String? {
        if let name = model.endpointEnvironment, let value = environment[name], !value.isEmpty {
            return value
        }
        return model.endpoint
    }

    func makeHTTPRequest(_ request: ChatRequest) throws(ProviderError) -> HTTPClientRequest {
        let model = request.model
        guard let base = endpoint(of: model) else {
            throw ProviderError(kind: .misconfigured, model: model.name, message: "no endpoint: set 'endpoint' in the fleet file")
        }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var http = HTTPClientRequest(url: trimmed + "/chat/completions")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "application/json")
        if let keyName = model.apiKeyEnvironment {
            guard let key = environment[keyName], !key.isEmpty else {
                throw ProviderError(
                    kind: .misconfigured,
                    model: model.name,
                    message: "the API key variable \(keyName) named by the fleet is not set in the environment"
                )
            }
            http.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        do {
            http.body = .bytes(ByteBuffer(bytes: try Self.requestBody(request)))
        } catch {
            throw ProviderError(kind: .misconfigured, model: model.name, message: "could not encode the request: \(error)")
        }
        return http
    }

    /// The JSON body sent for a request: the fleet's model id and decoding settings, the messages, and the
    /// lower of the caller's and the model's token limits.
    public static func requestBody(_ request: ChatRequest) throws -> Data {
        let decoding = request.model.decoding
        let body = OpenAIWireFormat.Request(
            model: request.model.modelID,
            messages: request.messages.map { .init(role: $0.role.rawValue, content: $0.content) },
            maxTokens: min(request.maxTokens, decoding.maxTokens ?? request.maxTokens),
            temperature: request.temperature ?? decoding.temperature,
            topP: decoding.topP,
            stop: decoding.stop.isEmpty ? nil : decoding.stop
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(body)
    }

    /// A `ProviderError` for a transport failure.
    func classify(_ error: any Error, model: ModelSpec, timeout: Double) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? ProviderError { return error }
        if error is TimeLimitExceeded {
            return ProviderError(kind: .timeout, model: model.name, message: "no complete reply within \(timeout) s", isRetryable: true)
        }
        if error is NIOTooManyBytesError {
            return ProviderError(
                kind: .invalidResponse,
                model: model.name,
                message: "the reply is larger than the limit of \(maxResponseBytes) bytes"
            )
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled:
                return CancellationError()
            case .deadlineExceeded, .readTimeout, .connectTimeout:
                return ProviderError(kind: .timeout, model: model.name, message: "\(error)", isRetryable: true)
            case .invalidURL, .emptyHost, .emptyScheme:
                return ProviderError(kind: .misconfigured, model: model.name, message: "bad endpoint URL: \(error)")
            default:
                break
            }
        }
        return ProviderError(
            kind: .connection,
            model: model.name,
            message: "connection to \(endpoint(of: model) ?? "?") failed: \(error)",
            isRetryable: true
        )
    }

    /// A `ProviderError` for a reply with an error status.
    func statusError(_ status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, model: ModelSpec) -> ProviderError {
        let detail =
            (try? JSONDecoder().decode(OpenAIWireFormat.ErrorBody.self, from: Data(body.readableBytesView)))?.error?.message
            ?? String(buffer: body).prefix(200).trimmingCharacters(in: .whitespacesAndNewlines)
        let said = detail.isEmpty ? "" : ": \(detail)"
        let code = Int(status.code)
        switch code {
        case 429:
            let wait = RetryAfter.seconds(from: headers.first(name: "Retry-After"))
            return ProviderError(
                kind: .rateLimited,
                model: model.name,
                message: "HTTP 429 rate limited\(wait.map { " (Retry-After \($0) s)" } ?? "")\(said)",
                isRetryable: true,
                retryAfterSeconds: wait,
                httpStatus: code
            )
        case 408, 409, 500...599:
            return ProviderError(
                kind: .failed,
                model: model.name,
                message: "HTTP \(code)\(said)",
                isRetryable: true,
                retryAfterSeconds: RetryAfter.seconds(from: headers.first(name: "Retry-After")),
                httpStatus: code
            )
        case 401, 403:
            let key = model.apiKeyEnvironment.map { "check the key in \($0)" } ?? "the fleet names no apiKeyEnvironment"
            return ProviderError(kind: .failed, model: model.name, message: "HTTP \(code), not authorised (\(key))\(said)", httpStatus: code)
        default:
            return ProviderError(kind: .failed, model: model.name, message: "HTTP \(code)\(said)", httpStatus: code)
        }
    }

    /// The reply of a successful call, validated.
    static func decode(body: ByteBuffer, model: ModelSpec, request: ChatRequest) throws(ProviderError) -> ChatResponse {
        let data = Data(body.readableBytesView)
        let decoded: OpenAIWireFormat.Response
        do {
            decoded = try JSONDecoder().decode(OpenAIWireFormat.Response.self, from: data)
        } catch {
            let start = String(decoding: data.prefix(120), as: UTF8.self)
            throw ProviderError(
                kind: .invalidResponse,
                model: model.name,
                message: "the reply is not valid JSON (\(data.count) bytes, starting \"\(start)\")",
                isRetryable: true
            )
        }
        guard let choice = decoded.choices?.first else {
            throw ProviderError(kind: .invalidResponse, model: model.name, message: "the reply has no choices", isRetryable: true)
        }
        let content = choice.message?.content ?? choice.text ?? ""
        guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ProviderError(
                kind: .invalidResponse,
                model: model.name,
                message: "the reply's content is empty (finish reason: \(choice.finishReason ?? "none"))",
                isRetryable: true
            )
        }
        let usage: TokenUsage
        if let prompt = decoded.usage?.promptTokens, let completion = decoded.usage?.completionTokens {
            usage = TokenUsage(promptTokens: prompt, completionTokens: completion, estimated: false)
        } else {
            let prompt = request.messages.reduce(0) { $0 + TokenUsage.estimate($1.content) }
            usage = TokenUsage(promptTokens: prompt, completionTokens: TokenUsage.estimate(content), estimated: true)
        }
        return ChatResponse(content: content, usage: usage, finishReason: choice.finishReason)
    }
}
