import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Orchestrator

extension OrchestratorServer {
    /// The model names a request may give besides topologies: the controller chooses everything.
    static let automaticModels: Set<String> = ["auto", "orchestrate"]

    func addRoutes(to router: Router<BasicRequestContext>) {
        // The root leads a browser to the web trace viewer.
        router.get("/") { _, _ in
            Response.redirect(to: "/ui", type: .found)
        }
        router.get("healthz") { _, _ in
            try await health()
        }
        router.get("v1/models") { _, _ in
            try Self.json(ModelList(names: ["auto"] + orchestrator.catalog.topologies.map(\.name)))
        }
        router.post("v1/chat/completions") { request, _ in
            try await chatCompletion(request)
        }
        router.post("v1/feedback") { request, _ in
            try await feedback(request)
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            if let live { metrics.observe(live.snapshot) }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        router.get("v1/runs") { request, _ in
            try await listRuns(request)
        }
        router.get("v1/runs/:id") { _, context in
            let id = try context.parameters.require("id")
            do {
                return try Self.json(try await orchestrator.store.trace(reference: id))
            } catch let error as RunLookupError {
                throw OpenAIError(status: .notFound, message: error.description, type: "not_found_error", code: "run_not_found")
            }
        }
    }

    /// Runs the conversation's last user message as a task and answers with the result.
    func chatCompletion(_ request: Request) async throws -> Response {
        var request = request
        // Collected into the request, so that a stream can still hear the client close its side.
        let chat = try await decodeBody(ChatCompletionRequest.self, of: &request)
        if let n = chat.n, n != 1 { throw OpenAIError.invalid("only n = 1 is supported, got \(n)", param: "n") }
        let task = try makeTask(chat)
        let seed = chat.seed ?? UInt64.random(in: 0...UInt64.max)
        let base = current(seed: seed)
        var configured = chat.orchestrate?.verify.map { base.with(verification: $0) } ?? base
        if let text = chat.orchestrate?.escalate {
            guard let rule = EscalationPolicy.Rule(parsing: text) else {
                throw OpenAIError.invalid(
                    "orchestrate.escalate: expected \(EscalationPolicy.Rule.syntax), got '\(text)'",
                    param: "orchestrate.escalate"
                )
            }
            configured = configured.with(escalation: rule)
        }
        let runner = configured
        if chat.stream == true {
            try await requireWritableStore()
            let includeUsage = chat.streamOptions?.includeUsage ?? false
            return streamedCompletion(of: task, by: runner, seed: seed, model: chat.model, includeUsage: includeUsage, request: request)
        }
        try await requireWritableStore()
        let result: RunResult
        do {
            result = try await runs.withPermit { try await runner.run(task, seed: seed) }
        } catch let error as RunNotRecorded {
            throw OpenAIError.storeUnavailable(error.failure, runID: error.runID)
        }
        count(result)
        guard result.status != .failed else {
            throw OpenAIError(
                status: .badGateway,
                message: "the orchestration failed: \(result.error ?? "no agent answered")",
                type: "server_error",
                code: "orchestration_failed",
                runID: result.runID
            )
        }
        return Self.json(text: try ChatCompletionResponse(result: result, model: chat.model).json())
    }

    /// `GET /healthz`: 200 while the trace store can record runs; 503 with the store's failure while it cannot
    /// (readiness: a load balancer sends requests elsewhere), looking again at most once a second.
    func health() async throws -> Response {
        var fields = ["fleet": orchestrator.catalog.fleet.name, "verification": orchestrator.verification.rawValue, "store": orchestrator.store.name]
        guard let failure = await orchestrator.store.writeFailure() else {
            fields["status"] = "ok"
            return try Self.json(fields)
        }
        fields["status"] = "unavailable"
        fields["error"] = failure.description
        let response = try Self.json(fields)
        var headers = response.headers
        headers[.retryAfter] = "\(TraceStoreFailure.retryAfterSeconds)"
        return Response(status: .serviceUnavailable, headers: headers, body: response.body)
    }

    /// Throws a 503 before any model is called while the trace store cannot record runs.
    func requireWritableStore() async throws {
        if let failure = await orchestrator.store.writeFailure() { throw OpenAIError.storeUnavailable(failure) }
    }

    /// Counts a finished run in `/metrics`, from the messages it recorded as its result lists them (no read of the
    /// store on a request's path).
    func count(_ result: RunResult) {
        metrics.record(result)
    }

    /// The task of a chat request, checked like a task file (names against the catalogue, ranges).
    func makeTask(_ chat: ChatCompletionRequest) throws -> OrchestrationTask {
        guard let query = chat.query else {
            throw OpenAIError.invalid("expected at least one user message with text", param: "messages")
        }
        let options = chat.orchestrate
        var topology: String?
        if !Self.automaticModels.contains(chat.model) {
            guard orchestrator.catalog.topology(named: chat.model) != nil else {
                let names = (["auto"] + orchestrator.catalog.topologies.map(\.name)).joined(separator: ", ")
                throw OpenAIError(
                    status: .notFound,
                    message: "the model '\(chat.model)' does not exist: use auto or a topology (\(names))",
                    type: "invalid_request_error",
                    param: "model",
                    code: "model_not_found"
                )
            }
            topology = chat.model
        }
        let request = TaskRequest(
            query: query,
            topology: topology,
            agents: options?.agents,
            domain: options?.domain,
            expected: options?.expected,
            answerKind: options?.answerKind,
            maxCostUSD: options?.maxCostUSD,
            deadlineSeconds: options?.deadlineSeconds,
            taskID: options?.taskID,
            idPrefix: "chat"
        )
        do {
            return try request.task(parser: orchestrator.taskParser)
        } catch {
            let param = error.field == "constraints.topology" ? "model" : "orchestrate.\(error.field)"
            throw OpenAIError.invalid("\(param): \(error.problem)", param: param)
        }
    }

    /// `GET /v1/runs?limit=&status=&topology=&model=`: stored runs, newest first.
    func listRuns(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let limit =
            try query.get("limit").map { text -> Int in
                guard let value = Int(text), (1...1000).contains(value) else {
                    throw OpenAIError.invalid("limit must be a whole number from 1 to 1000, got '\(text)'", param: "limit")
                }
                return value
            } ?? 20
        var filter = RunFilter(limit: limit)
        if let status = query.get("status") {
            guard let parsed = RunStatus(rawValue: status) else {
                let names = RunStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw OpenAIError.invalid("status must be one of \(names), got '\(status)'", param: "status")
            }
            filter.status = parsed
        }
        filter.topology = query.get("topology")
        filter.model = query.get("model")
        let runs = try await orchestrator.store.runs(matching: filter)
        return try Self.json(RunList(data: runs))
    }

    /// The request's JSON body (collected into the request, up to `maxBodyBytes`) as `T`; a 400 naming the field
    /// that does not decode.
    func decodeBody<T: Decodable>(_ type: T.Type, of request: inout Request) async throws -> T {
        let body = try await request.collectBody(upTo: configuration.maxBodyBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw OpenAIError.invalid(Self.describe(error), param: Self.path(of: error))
        }
    }

    /// A 200 with a JSON body (sorted keys, ISO 8601 dates).
    static func json(_ value: some Encodable) throws -> Response {
        json(body: ByteBuffer(bytes: try jsonEncoder().encode(value)))
    }

    /// The encoder of every JSON reply: sorted keys, slashes as they are, dates in ISO 8601.
    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A 200 whose body is JSON written already.
    static func json(text: String) -> Response {
        json(body: ByteBuffer(string: text))
    }

    private static func json(body: ByteBuffer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// A decoding error in words: which field, what was wrong.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(fieldPath(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let field = fieldPath(context.codingPath)
            return field.isEmpty ? "the body is not valid JSON: \(context.debugDescription)" : "field '\(field)': \(context.debugDescription)"
        @unknown default:
            return "the body could not be read: \(error)"
        }
    }

    static func path(of error: DecodingError) -> String? {
        switch error {
        case .keyNotFound(let key, let context): return fieldPath(context.codingPath + [key])
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let field = fieldPath(context.codingPath)
            return field.isEmpty ? nil : field
        @unknown default: return nil
        }
    }

    static func fieldPath(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

/// `GET /v1/models`: the names `model` accepts.
struct ModelList: Encodable {
    struct Model: Encodable {
        var id: String
        var object = "model"
        var created = 0
        var ownedBy = "orchestrate"

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    var object = "list"
    var data: [Model]

    init(names: [String]) { data = names.map { Model(id: $0) } }
}

/// `GET /v1/runs`: stored run rows.
struct RunList: Encodable {
    var object = "list"
    var data: [RunRecord]
}
