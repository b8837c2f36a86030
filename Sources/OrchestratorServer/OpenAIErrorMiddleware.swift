import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error a route throws (and unknown routes, oversize bodies) into OpenAI's error shape.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            return error.response()
        } catch let error as NIOTooManyBytesError {
            return OpenAIError(
                status: .contentTooLarge,
                message: "the request body is larger than the limit (\(error))",
                type: "invalid_request_error"
            )
            .response()
        } catch let error as HTTPError {
            let type = error.status == .notFound ? "not_found_error" : "invalid_request_error"
            let message = error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : (error.body ?? "\(error.status)")
            return OpenAIError(status: error.status, message: message, type: type).response()
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return OpenAIError(status: .internalServerError, message: "\(error)", type: "server_error").response()
        }
    }
}
