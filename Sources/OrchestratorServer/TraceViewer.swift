import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import Orchestrator

/// The web trace viewer: server-rendered HTML pages over a trace store (runs with the `traces` filters, a run as an
/// agent graph, a timeline and its messages, statistics, an evaluation chart of cost against accuracy, and the controller
/// versions with their promotions and evidence), served by `serve` under `/ui` and by `orchestrate ui` alone. Every page
/// only reads the store. Model output is untrusted:
/// every value goes into the page through Mustache's escaping (`{{…}}`, never `{{{…}}}`); the graph and the timeline
/// are drawn from numbers computed here. The CSS and the JavaScript are the library's own resources: nothing is
/// fetched from the internet.
public struct TraceViewer: Sendable {
    let store: TraceStore
    let templates: MustacheLibrary
    let stylesheet: ByteBuffer
    let script: ByteBuffer

    /// Loads the templates and assets shipped with the library.
    public init(store: TraceStore) throws {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Assets") else {
            throw TraceViewerError(description: "the trace viewer's assets are missing from the library's bundle")
        }
        var library = MustacheLibrary()
        for name in ["layout-head", "layout-foot", "filters", "runs", "run", "statistics", "evaluation", "controllers", "missing", "login"] {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            try library.register(text, named: name)
        }
        self.store = store
        templates = library
        stylesheet = ByteBuffer(bytes: Array(try Data(contentsOf: folder.appendingPathComponent("ui.css"))))
        script = ByteBuffer(bytes: Array(try Data(contentsOf: folder.appendingPathComponent("ui.js"))))
    }

    /// Adds the viewer's routes: `/ui` (runs), `/ui/runs/{id}`, `/ui/statistics`, `/ui/evaluation`, `/ui/controllers`
    /// and the assets.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("ui") { request, _ in try await page("runs", try await runsPage(request.uri.queryParameters)) }
        router.get("ui/runs/:id") { _, context in
            let id = try context.parameters.require("id")
            do {
                return try await page("run", try await runPage(reference: id))
            } catch let error as RunLookupError {
                return try await page("missing", Missing(store: store.name, message: error.description), status: .notFound)
            }
        }
        router.get("ui/statistics") { request, _ in try await page("statistics", try await statisticsPage(request.uri.queryParameters)) }
        router.get("ui/evaluation") { request, _ in try await page("evaluation", try await evaluationPage(request.uri.queryParameters)) }
        router.get("ui/controllers") { request, _ in try await page("controllers", try await controllersPage(request.uri.queryParameters)) }
        router.get("ui/assets/ui.css") { _, _ in asset(stylesheet, type: "text/css; charset=utf-8") }
        router.get("ui/assets/ui.js") { _, _ in asset(script, type: "text/javascript; charset=utf-8") }
    }

    /// The viewer alone (`orchestrate ui`): its pages, and `/` sent to them.
    public func application(
        host: String,
        port: Int,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/") { _, _ in Response.redirect(to: "/ui") }
        addRoutes(to: router)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "orchestrate-ui"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// A page rendered from its template, or a 404 page naming what was not found.
    func page(_ template: String, _ object: Any, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let html = templates.render(object, withTemplate: template) else {
            throw TraceViewerError(description: "no template \(template)")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func asset(_ buffer: ByteBuffer, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }
}

extension TraceViewer {
    /// The sign-in form of a viewer behind a token.
    struct Login {
        var title = "Sign in"
        var navigation = Navigation()
        var store: String
        var wrong: Bool
    }

    /// Adds `/ui/login` for a viewer behind `token`: a form, and its answer, which keeps the token in a cookie that
    /// only the viewer's pages receive (`BearerTokenMiddleware` lets those pages be read with it).
    func addLoginRoutes<Context: RequestContext>(to router: Router<Context>, token: String) {
        router.get("ui/login") { _, _ in try await page("login", Login(store: store.name, wrong: false)) }
        router.post("ui/login") { request, _ in
            let body = try await request.body.collect(upTo: 4096)
            let given = URLComponents(string: "?" + String(buffer: body))?.queryItems?.first { $0.name == "token" }?.value ?? ""
            guard BearerTokenMiddleware<Context>.constantTimeEqual(given, token) else {
                return try await page("login", Login(store: store.name, wrong: true), status: .unauthorized)
            }
            var response = Response.redirect(to: "/ui", type: .found)
            response.setCookie(
                Cookie(name: BearerTokenMiddleware<Context>.cookie, value: token, path: "/ui", secure: false, httpOnly: true, sameSite: .strict)
            )
            return response
        }
    }

    /// What a page names that is not in the store.
    struct Missing {
        var title = "Not found"
        var navigation = Navigation()
        var store: String
        var message: String
    }
}

/// The trace viewer cannot work as shipped.
public struct TraceViewerError: Error, CustomStringConvertible {
    public var description: String
}
