import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`, with its HTTP status.
public struct OpenAIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// `invalid_request_error`, `authentication_error`, `not_found_error`, `server_error`…
    public var type: String
    public var param: String?
    public var code: String?
    /// The run the error belongs to, when a run was recorded.
    public var runID: String?
    /// Seconds for the client to wait before trying again (`Retry-After`), for a 503.
    public var retryAfterSeconds: Int?

    public init(status: HTTPResponse.Status, message: String, type: String, param: String? = nil, code: String? = nil, runID: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.runID = runID
    }

    /// A 503 for a trace store that cannot record: nothing is run, or the run that could not be recorded gives no
    /// answer; the client may try again after `Retry-After`.
    static func storeUnavailable(_ failure: TraceStoreFailure, runID: String? = nil) -> OpenAIError {
        var error = OpenAIError(
            status: .serviceUnavailable,
            message: runID == nil ? "not run: \(failure)" : "the run was stopped and not recorded: \(failure)",
            type: "server_error",
            code: "trace_store_unavailable",
            runID: runID
        )
        error.retryAfterSeconds = TraceStoreFailure.retryAfterSeconds
        return error
    }

    /// A 400 naming the field at fault.
    static func invalid(_ message: String, param: String? = nil) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", param: param)
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String?
            var runID: String?

            enum CodingKeys: String, CodingKey {
                case message, type, param, code
                case runID = "run_id"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
                try container.encodeIfPresent(runID, forKey: .runID)
            }
        }

        var error: Detail
    }

    /// OpenAI's error object as JSON: `{"error": {"message", "type", "param", "code"}}`.
    func body() -> Data {
        let body = Body(error: .init(message: message, type: type, param: param, code: code, runID: runID))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data(#"{"error":{"message":"error","type":"server_error"}}"#.utf8)
    }

    /// The error as an HTTP response.
    func response() -> Response {
        let data = body()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfterSeconds { headers[.retryAfter] = "\(retryAfterSeconds)" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
