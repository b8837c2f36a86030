import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The `/v1/embeddings` embedder, against an in-process OpenAI-protocol server.
@Suite(.timeLimit(.minutes(5))) struct OpenAIEmbedderTests {
    @Test func connectLearnsTheDimensionAndVectorsComeNormalisedInInputOrder() async throws {
        let server = try await FaultyOpenAIServer.start(["embed-small": [.embeddings(dimension: 12)]])
        defer { Task { await server.stop() } }
        let embedder = try await OpenAIEmbedder.connect(
            endpoint: server.baseURL + "/",
            model: "embed-small",
            apiKeyEnvironment: "EMBED_KEY",
            environment: ["EMBED_KEY": "secret-1"]
        )
        #expect(embedder.dimension == 12)
        #expect(embedder.identifier == "openai:embed-small:12")
        let texts = ["aaaa", "bbbb", "ab ab"]
        let vectors = try await embedder.embed(texts)
        #expect(vectors.count == 3)
        for vector in vectors {
            #expect(abs(vector.dot(vector) - 1) < 1e-9)
        }
        // The server lists vectors in reverse; each must still line up with its text.
        let a = Int(Character("a").unicodeScalars.first!.value) % 12
        let b = Int(Character("b").unicodeScalars.first!.value) % 12
        #expect(vectors[0][a] == 1 && vectors[1][b] == 1)
        #expect(abs(vectors[2][a] - vectors[2][b]) < 1e-12 && vectors[2][a] > 0.7)
        let received = await server.script.received
        #expect(received.count == 2)
        #expect(received.allSatisfy { $0.authorization == "Bearer secret-1" })
        #expect(received.last?.inputs == texts)
    }

    @Test func oneVectorPerTokenIsAveraged() async throws {
        let server = try await FaultyOpenAIServer.start([
            "pooled": [.embeddings(dimension: 10)], "tokens": [.embeddings(dimension: 10, perToken: true)],
        ])
        defer { Task { await server.stop() } }
        let texts = ["seven apples and three pears", "ab ab ab"]
        let pooled = try await OpenAIEmbedder.connect(endpoint: server.baseURL, model: "pooled").embed(texts)
        let tokens = try await OpenAIEmbedder.connect(endpoint: server.baseURL, model: "tokens").embed(texts)
        for (flat, averaged) in zip(pooled, tokens) {
            #expect(abs(flat.dot(averaged) - 1) < 1e-9)
        }
    }

    @Test func failuresNameTheEndpointAndWhatWentWrong() async throws {
        let server = try await FaultyOpenAIServer.start(["broken": [.status(500)], "chat-only": [.reply("Answer: 4")]])
        defer { Task { await server.stop() } }
        await #expect {
            _ = try await OpenAIEmbedder.connect(endpoint: server.baseURL, model: "broken")
        } throws: { error in
            "\(error)".contains(server.baseURL) && "\(error)".contains("HTTP 500: injected failure 500")
        }
        await #expect {
            _ = try await OpenAIEmbedder.connect(endpoint: server.baseURL, model: "chat-only")
        } throws: { error in
            "\(error)".contains("not an embeddings list")
        }
        await #expect {
            _ = try await OpenAIEmbedder.connect(endpoint: server.baseURL, model: "broken", apiKeyEnvironment: "UNSET_KEY", environment: [:])
        } throws: { error in
            "\(error)".contains("UNSET_KEY is not set")
        }
        #expect(await server.script.count(for: "broken") == 1)
    }

    @Test func theControllerPlansWithServedEmbeddingsAndRefusesAControllerOfAnotherEmbedder() async throws {
        let server = try await FaultyOpenAIServer.start(["embed-small": [.embeddings(dimension: 16)]])
        defer { Task { await server.stop() } }
        let embedder = try await OpenAIEmbedder.connect(endpoint: server.baseURL, model: "embed-small")
        let catalog = try TestSupport.catalog()
        let orchestrator = try await Orchestrator(catalog: catalog, store: try TraceStore.inMemory(), embedder: embedder, logger: TestSupport.logger)
        let result = try await orchestrator.run(OrchestrationTask(id: "e1", query: "What is 12 + 30?"), seed: 1)
        #expect(result.status == .completed)
        #expect(result.plan != nil)
        // Catalogue descriptions and the query both went through the endpoint.
        let inputs = await server.script.received.flatMap(\.inputs)
        #expect(inputs.contains("What is 12 + 30?"))
        #expect(inputs.count > catalog.fleet.models.count + catalog.roles.count)

        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("hashing.json").path
        try await CascadedController(catalog: catalog).zeroParameters.save(path: path)
        #expect {
            _ = try ControllerParameters.load(path: path, catalog: catalog, embedder: embedder)
        } throws: { error in
            "\(error)".contains("hashing-256") && "\(error)".contains("openai:embed-small:16")
        }
        let served = directory.appendingPathComponent("served.json").path
        try orchestrator.controller.zeroParameters.save(path: served)
        let loaded = try ControllerParameters.load(path: served, catalog: catalog, embedder: embedder)
        #expect(loaded.embedder == "openai:embed-small:16")
    }

    @Test func runTakesAnEmbeddingsEndpointAndRefusesOneThatDoesNotAnswer() async throws {
        let server = try await FaultyOpenAIServer.start(["embed-small": [.embeddings(dimension: 8)]])
        defer { Task { await server.stop() } }
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let served = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--embeddings", server.baseURL, "--embeddings-model", "embed-small",
        ])
        #expect(served.status == 0, "\(served.error)")
        #expect(await server.script.received.flatMap(\.inputs).contains { $0.hasPrefix("A bakery makes 14 trays") })
        let dead = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--embeddings", "http://127.0.0.1:1/v1",
        ])
        #expect(dead.status == 2)
        #expect(dead.error.contains("--embeddings: embeddings at http://127.0.0.1:1/v1: the request failed"), "\(dead.error)")
    }
}
