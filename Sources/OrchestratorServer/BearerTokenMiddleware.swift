import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer TOKEN` on every route but `/healthz`. The web trace viewer's pages, which a
/// browser opens without a header, may instead be read (GET only) with the token in the cookie `/ui/login` sets;
/// without either they send the browser to `/ui/login`. The sign-in form, the viewer's CSS and JavaScript, and the
/// root's redirect to `/ui` are open.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    /// The cookie that carries the token for the viewer's pages.
    static var cookie: String { "orchestrate_token" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let open = path == "/healthz" || path == "/ui/login" || path.hasPrefix("/ui/assets/") || (path == "/" && request.method == .get)
        guard !open else { return try await next(request, context) }
        if let header = request.headers[.authorization], header.hasPrefix("Bearer "), Self.constantTimeEqual(String(header.dropFirst(7)), token) {
            return try await next(request, context)
        }
        let viewerPage = request.method == .get && (path == "/ui" || path.hasPrefix("/ui/"))
        if viewerPage {
            if let cookie = request.cookies[Self.cookie]?.value, Self.constantTimeEqual(cookie, token) { return try await next(request, context) }
            return Response.redirect(to: "/ui/login", type: .found)
        }
        throw OpenAIError(
            status: .unauthorized,
            message: "missing or wrong bearer token: send Authorization: Bearer <token>",
            type: "authentication_error",
            code: "invalid_api_key"
        )
    }

    /// Compares without returning early, so timing does not reveal how much of the token matched.
    static func constantTimeEqual(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
