import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer TOKEN` on every route but `/healthz`.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path != "/healthz" else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), constantTimeEqual(String(header.dropFirst(7)), token) else {
            throw OpenAIError(
                status: .unauthorized,
                message: "missing or wrong bearer token: send Authorization: Bearer <token>",
                type: "authentication_error",
                code: "invalid_api_key"
            )
        }
        return try await next(request, context)
    }

    /// Compares without returning early, so timing does not reveal how much of the token matched.
    func constantTimeEqual(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
