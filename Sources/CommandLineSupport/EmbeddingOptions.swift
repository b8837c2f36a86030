import ArgumentParser
import Orchestrator

/// Which embedder the controller reads queries with: the built-in hashing embedder, or an OpenAI-compatible
/// `/v1/embeddings` endpoint.
package struct EmbeddingOptions: ParsableArguments {
    package init() {}

    @Option(
        name: .long,
        help: "An OpenAI-compatible embeddings endpoint's base URL, such as http://127.0.0.1:8177/v1 (default: the built-in hashing embedder)."
    )
    package var embeddings: String?

    @Option(name: .long, help: "The model named in embeddings requests.")
    package var embeddingsModel: String = "default"

    @Option(name: .long, help: "The environment variable holding the embeddings endpoint's API key, if it needs one.")
    package var embeddingsKeyEnv: String?

    /// The embedder to plan with. An endpoint that does not answer prints one line and exits with status 2.
    package func embedder() async throws -> any Embedder {
        guard let embeddings else { return HashingEmbedder() }
        do {
            return try await OpenAIEmbedder.connect(endpoint: embeddings, model: embeddingsModel, apiKeyEnvironment: embeddingsKeyEnv)
        } catch {
            printError("error: --embeddings: \(error)")
            throw ExitCode(2)
        }
    }
}
