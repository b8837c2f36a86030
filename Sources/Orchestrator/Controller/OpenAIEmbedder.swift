import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An embedder served by any OpenAI-compatible `POST {endpoint}/embeddings` (OpenAI, vLLM, llama.cpp's server,
/// Ollama, text-embeddings-inference), used beside or instead of the built-in `HashingEmbedder`.
///
/// Create it with `connect`, which embeds a probe text once to learn the dimension. Vectors are L2-normalised
/// here, whatever the server sends. The identifier names the model and dimension, so a controller trained on
/// one embedding space refuses to load with another.
public struct OpenAIEmbedder: Embedder {
    /// The base URL, such as `http://127.0.0.1:8177/v1`.
    public let endpoint: String
    /// The `model` sent with each request.
    public let model: String
    public private(set) var dimension: Int
    /// The environment variable holding the API key, if the server needs one.
    public let apiKeyEnvironment: String?
    let environment: [String: String]
    let client: HTTPClient
    let timeoutSeconds: Double

    public var identifier: String { "openai:\(model):\(dimension)" }

    /// Texts sent in one request at most.
    static let batchLimit = 256
    /// Replies larger than this are refused: 64 MiB.
    static let maxResponseBytes = 64 << 20

    /// Connects to the endpoint and learns the dimension by embedding a probe text.
    public static func connect(
        endpoint: String,
        model: String,
        apiKeyEnvironment: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        client: HTTPClient = OpenAICompatibleProvider.defaultClient,
        timeoutSeconds: Double = 60
    ) async throws(EmbedderError) -> OpenAIEmbedder {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        var embedder = OpenAIEmbedder(
            endpoint: trimmed,
            model: model,
            dimension: 0,
            apiKeyEnvironment: apiKeyEnvironment,
            environment: environment,
            client: client,
            timeoutSeconds: timeoutSeconds
        )
        let probe = try await embedder.request(["dimension probe"])
        guard let first = probe.first, !first.isEmpty else {
            throw EmbedderError(endpoint: trimmed, message: "the probe came back with an empty vector")
        }
        embedder.dimension = first.count
        return embedder
    }

    public func embed(_ texts: [String]) async throws -> [[Double]] {
        var vectors: [[Double]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(texts.count, start + Self.batchLimit)
            let batch = try await request(Array(texts[start..<end]))
            for vector in batch where vector.count != dimension {
                throw EmbedderError(endpoint: endpoint, message: "a vector has \(vector.count) dimensions; the probe had \(dimension)")
            }
            vectors += batch
            start = end
        }
        return vectors
    }

    /// One request: the texts' vectors in input order, normalised.
    func request(_ texts: [String]) async throws(EmbedderError) -> [[Double]] {
        var http = HTTPClientRequest(url: endpoint + "/embeddings")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        if let keyName = apiKeyEnvironment {
            guard let key = environment[keyName], !key.isEmpty else {
                throw EmbedderError(endpoint: endpoint, message: "the API key variable \(keyName) is not set in the environment")
            }
            http.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        let body: Data
        do {
            body = try JSONEncoder().encode(OpenAIWireFormat.EmbeddingRequest(model: model, input: texts))
        } catch {
            throw EmbedderError(endpoint: endpoint, message: "could not encode the request: \(error)")
        }
        http.body = .bytes(ByteBuffer(bytes: body))
        let prepared = http
        let (status, reply): (UInt, ByteBuffer)
        do {
            let deadline = ContinuousClock.now + .milliseconds(timeoutSeconds * 1000)
            (status, reply) = try await withTimeLimit(deadline) { [client, timeoutSeconds] in
                let response = try await client.execute(prepared, timeout: .milliseconds(Int64(timeoutSeconds * 1000) + 1000))
                return (response.status.code, try await response.body.collect(upTo: Self.maxResponseBytes))
            }
        } catch {
            throw EmbedderError(endpoint: endpoint, message: "the request failed: \(error)")
        }
        let data = Data(reply.readableBytesView)
        guard (200..<300).contains(status) else {
            let detail = (try? JSONDecoder().decode(OpenAIWireFormat.ErrorBody.self, from: data))?.error?.message
            throw EmbedderError(endpoint: endpoint, message: "HTTP \(status)\(detail.map { ": \($0)" } ?? "")")
        }
        guard let decoded = try? JSONDecoder().decode(OpenAIWireFormat.EmbeddingResponse.self, from: data) else {
            throw EmbedderError(endpoint: endpoint, message: "the reply is not an embeddings list (\(data.count) bytes)")
        }
        let items = decoded.data.sorted { ($0.index ?? 0) < ($1.index ?? 0) }
        guard items.count == texts.count else {
            throw EmbedderError(endpoint: endpoint, message: "sent \(texts.count) texts, got \(items.count) vectors")
        }
        return items.map { $0.embedding.l2Normalised() }
    }
}

/// An embeddings endpoint that could not be used; names the endpoint and what went wrong.
public struct EmbedderError: Error, Sendable, CustomStringConvertible {
    public var endpoint: String
    public var message: String

    public var description: String { "embeddings at \(endpoint): \(message)" }
}
