import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchestratorTestSupport
import Testing

@testable import Orchestrator
@testable import OrchestratorServer

/// The web trace viewer's pages, through the router: what they show of the store, behind the token, and model
/// output always escaped.
@Suite(.timeLimit(.minutes(5))) struct TraceViewerTests {
    static func body(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        return (response.status, String(buffer: response.body))
    }

    @Test func theControllersPageShowsVersionsPromotionsAndWhatTheirRunsDid() async throws {
        let store = try TraceStore.inMemory()
        let catalog = try TestSupport.catalog()
        let orchestrator = try await Orchestrator(catalog: catalog, store: store, logger: TestSupport.logger)
        let server = try OrchestratorServer(orchestrator: orchestrator, configuration: ServerConfiguration(), logger: TestSupport.logger)
        try await server.application().test(.router) { client in
            let (emptyStatus, empty) = try await Self.body(client, "/ui/controllers")
            #expect(emptyStatus == .ok && empty.contains("No controller has planned a run here yet."))

            let task = OrchestrationTask(
                id: "viewer-controllers",
                query: "What is 6 * 7?",
                domain: .math,
                expected: .init(value: "42", kind: .number)
            )
            let run = try await orchestrator.run(task, seed: 1)
            _ = try await store.recordFeedback(on: run.runID, score: 0.25, note: #"<b>too slow</b>"#, source: "library")
            var parameters = orchestrator.controller.zeroParameters
            parameters.version = "trained-<viewer>"
            try await store.recordControllerVersion(
                parameters,
                origin: "learned",
                trainedOnRuns: 1,
                evidence: ControllerPromotionTests.evidence,
                verdict: "promoted"
            )
            try await store.promoteController(parameters.version, catalogHash: catalog.hash, reason: .manual)
            let (status, page) = try await Self.body(client, "/ui/controllers?lambda=10")
            #expect(status == .ok)
            #expect(page.contains("<strong>trained-&lt;viewer&gt;</strong>"), "the live version, escaped")
            #expect(page.contains("<td>manual</td>") && page.contains("<td>prior-1</td>"), "the promotion and the version before it")
            #expect(page.contains(ControllerPromotionTests.evidence.summary), "the guard's evidence")
            #expect(page.contains("utility at λ 10"))
            let utility = String(format: "%.4f", 0.25 - 10 * run.costUSD)
            #expect(
                page.contains("<td>prior-1</td><td>1</td><td>1</td><td>0.2500</td>") && page.contains("<td>\(utility)</td>"),
                "the run, scored by its feedback"
            )
            let (_, runPage) = try await Self.body(client, "/ui/runs/\(run.runID)")
            #expect(
                runPage.contains("score <strong>0.250</strong>") && runPage.contains("&lt;b&gt;too slow&lt;/b&gt;"),
                "feedback on the run's page, escaped"
            )
        }
    }

    /// The agent graph's geometry for one, four and seven agents (the most a bundled topology has): every box inside the canvas, no two boxes
    /// overlapping, every line cut to the box's characters with the whole of it in the box's title, and every edge
    /// starting on its sender's box edge.
    @Test(arguments: [1, 4, 7]) func theAgentGraphKeepsEveryBoxInsideAndEveryLabelCutToItsBox(agents: Int) async throws {
        let store = try TraceStore.inMemory()
        let orchestrator = try await Orchestrator(catalog: try TestSupport.catalog(), store: store, logger: TestSupport.logger)
        var task = OrchestrationTask(id: "graph", query: "What is 6 times 7?")
        task.constraints.topology = [1: "single", 4: "debate", 7: "tree"][agents]
        task.constraints.agentCount = agents
        let result = try await orchestrator.run(task, seed: 3)
        var trace = try #require(try await store.trace(runID: result.runID))
        try #require(trace.agents.count == agents, "\(result.status) \(result.error ?? "")")
        trace.agents[0].role = String(repeating: "a-very-long-role-name.", count: 4)
        let graph = TraceViewer.graph(of: trace)
        #expect(graph.nodes.count == agents)
        for node in graph.nodes {
            #expect(node.x >= 0 && node.y >= 0 && node.x + node.width <= graph.width && node.y + node.height <= graph.height)
            #expect(node.lines.count >= 3 && node.lines.allSatisfy { $0.text.count <= TraceViewer.boxCharacters })
            #expect(node.lines.allSatisfy { $0.y > node.y && $0.y < node.y + node.height })
            for other in graph.nodes where other.index != node.index {
                let apart =
                    node.x + node.width <= other.x || other.x + other.width <= node.x || node.y + node.height <= other.y
                    || other.y + other.height <= node.y
                #expect(apart, "agents \(node.index) and \(other.index) overlap")
            }
        }
        let long = try #require(graph.nodes.first)
        #expect(long.lines[0].text.hasSuffix("…") && long.title.contains(trace.agents[0].role), "cut in the box, whole in its title")
        for edge in graph.edges {
            let numbers = edge.path.split(separator: " ").compactMap { Double($0) }
            let sender = try #require(graph.nodes.first { edge.title.contains("agent \($0.index) →") })
            let onEdge =
                abs(numbers[0] - sender.x) < 0.2 || abs(numbers[0] - sender.x - sender.width) < 0.2
                || abs(numbers[1] - sender.y) < 0.2 || abs(numbers[1] - sender.y - sender.height) < 0.2
            #expect(onEdge, "\(edge.path) starts on agent \(sender.index)'s box")
        }
    }

    @Test func pagesShowTheStoreAndEscapeWhatModelsWrote() async throws {
        let store = try TraceStore.inMemory()
        let ids = try await TestSupport.debateAndCascadeRuns(in: store)
        // A run whose model wrote markup: it must reach the page as text.
        var hostile = TestSupport.runRecord(id: "hostile-run")
        hostile.answer = #"<script>alert("x")</script>"#
        hostile.query = #"<img src=x onerror="alert(1)">"#
        hostile.status = .completed
        try await store.beginRun(hostile)
        let orchestrator = try await Orchestrator(catalog: try TestSupport.catalog(), store: store, logger: TestSupport.logger)
        let server = try OrchestratorServer(
            orchestrator: orchestrator,
            configuration: ServerConfiguration(token: "secret"),
            logger: TestSupport.logger
        )
        try await server.application().test(.router) { client in
            // Behind the token: a browser without it is sent to sign in, and the cookie signing in sets opens the pages
            // (GET only), never the API.
            let anonymous = try await client.execute(uri: "/ui", method: .get)
            #expect(anonymous.status == .found && anonymous.headers[.location] == "/ui/login", "the viewer is behind the token")
            #expect(try await Self.body(client, "/ui/login").0 == .ok)
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrongToken = try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "token=guess"))
            #expect(wrongToken.status == .unauthorized && wrongToken.headers[.setCookie] == nil)
            let signedIn = try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "token=secret"))
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(signedIn.status == .found && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/ui"))
            let withCookie: HTTPFields = [.cookie: "orchestrate_token=secret"]
            #expect(try await Self.body(client, "/ui", headers: withCookie).0 == .ok)
            #expect(try await Self.body(client, "/ui", headers: [.cookie: "orchestrate_token=guess"]).0 == .found)
            let apiWithCookie = try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                headers: withCookie,
                body: ByteBuffer(string: #"{"model":"auto","messages":[\#(ServerTests.question)]}"#)
            )
            #expect(apiWithCookie.status == .unauthorized, "the cookie opens the viewer's pages, not the API")
            let authorized: HTTPFields = [.authorization: "Bearer secret"]
            let (status, runs) = try await Self.body(client, "/ui", headers: authorized)
            #expect(status == .ok)
            for id in ids + ["hostile-run"] { #expect(runs.contains("/ui/runs/\(id)"), "the runs page links \(id)") }
            #expect(!runs.contains("<script>alert") && runs.contains("&lt;script&gt;alert"), "an answer is text, not markup")
            let (_, filtered) = try await Self.body(client, "/ui?topology=debate", headers: authorized)
            #expect(filtered.contains("/ui/runs/\(ids[0])") && !filtered.contains("/ui/runs/\(ids[1])"), "the traces filters apply")
            let (_, recent) = try await Self.body(client, "/ui?since=1h", headers: authorized)
            #expect(ids.allSatisfy { recent.contains("/ui/runs/\($0)") }, "runs of the last hour")
            let (_, ancient) = try await Self.body(client, "/ui?until=2000-01-01", headers: authorized)
            #expect(ancient.contains("No runs match") && !ancient.contains("/ui/runs/\(ids[0])"))
            let (_, badMoment) = try await Self.body(client, "/ui?since=yesterday", headers: authorized)
            #expect(badMoment.contains("since: expected a date"))
            let (_, wrong) = try await Self.body(client, "/ui?limit=lots", headers: authorized)
            #expect(wrong.contains("<p class=\"problem\">limit: expected 1 to 10000, got ") && wrong.contains("No runs match"), "\(wrong)")

            let trace = try #require(try await store.trace(runID: ids[0]))
            let (runStatus, page) = try await Self.body(client, "/ui/runs/\(TraceIDs.short(ids[0]))", headers: authorized)
            #expect(runStatus == .ok)
            #expect(page.components(separatedBy: "<g class=\"agent").count - 1 == trace.agents.count, "a node per agent")
            #expect(page.components(separatedBy: "<path class=\"delivery").count - 1 == trace.deliveries.count, "an edge per delivery")
            for verdict in Set(trace.deliveries.map(\.verdict)) {
                let drawn = page.components(separatedBy: "<path class=\"delivery \(verdict)\"").count - 1
                #expect(drawn == trace.deliveries.filter { $0.verdict == verdict }.count, "edges coloured \(verdict)")
            }
            #expect(page.components(separatedBy: "<rect class=\"call").count - 1 == trace.messages.count, "a bar per call")
            #expect(page.components(separatedBy: "<details class=\"message").count - 1 == trace.messages.count)
            let (_, hostilePage) = try await Self.body(client, "/ui/runs/hostile-run", headers: authorized)
            #expect(!hostilePage.contains("<img src=x") && hostilePage.contains("&lt;img src=x"), "a query is text, not markup")
            #expect(try await Self.body(client, "/ui/runs/ffffffff", headers: authorized).0 == .notFound)

            let (_, statistics) = try await Self.body(client, "/ui/statistics", headers: authorized)
            for grouping in ["topology", "model", "role"] { #expect(statistics.contains("<h2>By \(grouping)</h2>")) }
            let (_, evaluation) = try await Self.body(client, "/ui/evaluation", headers: authorized)
            #expect(evaluation.contains("<svg class=\"chart\"") && evaluation.contains("<g class=\"point topology\">"))
            let (cssStatus, css) = try await Self.body(client, "/ui/assets/ui.css", headers: authorized)
            #expect(cssStatus == .ok && css.contains("path.delivery"))
        }
    }
}
