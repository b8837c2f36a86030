/// Validates a fleet file: `{"name", "description", "models": [...]}`.
enum FleetFileParser {
    static let fleetFields: Set<String> = ["name", "description", "models"]
    static let modelFields: Set<String> = [
        "name", "provider", "modelID", "endpoint", "endpointEnvironment", "apiKeyEnvironment", "inputPricePerMillion",
        "outputPricePerMillion", "contextLength", "description", "limits", "decoding", "fewShotExamples", "simulation", "quality",
    ]
    static let limitFields: Set<String> = ["concurrency", "requestsPerMinute", "timeoutSeconds", "maxRetries"]
    static let decodingFields: Set<String> = ["temperature", "topP", "maxTokens", "stop"]
    static let exampleFields: Set<String> = ["user", "assistant"]
    static let simulationFields: Set<String> = [
        "accuracy", "latencyMilliseconds", "latencyJitterMilliseconds", "outputTokens", "conformity", "slipShare",
    ]

    static func parse(_ value: JSONValue, file: String) throws(CatalogError) -> Fleet {
        do throws(FieldError) {
            let reader = try JSONObjectReader(value, allowed: fleetFields)
            let name = try reader.requiredString("name")
            let description = try reader.string("description") ?? ""
            guard let items = try reader.array("models"), !items.isEmpty else {
                throw FieldError(field: "models", problem: "expected a non-empty array of models")
            }
            var models: [ModelSpec] = []
            for (index, item) in items.enumerated() {
                let model = try parseModel(item, path: "models[\(index)]")
                if models.contains(where: { $0.name == model.name }) {
                    throw FieldError(field: "models[\(index)].name", problem: "expected a unique name, got \"\(model.name)\" twice")
                }
                models.append(model)
            }
            return Fleet(name: name, description: description, models: models)
        } catch {
            throw CatalogError(file: file, field: error.field, problem: error.problem)
        }
    }

    private static func parseModel(_ value: JSONValue, path: String) throws(FieldError) -> ModelSpec {
        let reader = try JSONObjectReader(value, path: path, allowed: modelFields)
        let name = try reader.requiredString("name")
        guard let provider = try reader.oneOf("provider", as: ProviderKind.self) else {
            throw FieldError(field: reader.qualified("provider"), problem: "missing; expected one of openai, simulated, recorded")
        }
        var limits = ModelLimits()
        if let object = try reader.object("limits", allowed: limitFields) {
            limits.concurrency = try object.integer("concurrency", in: 1...10_000)
            limits.requestsPerMinute = try object.integer("requestsPerMinute", in: 1...1_000_000)
            limits.timeoutSeconds = try object.number("timeoutSeconds", in: 0.001...86_400)
            limits.maxRetries = try object.integer("maxRetries", in: 0...20)
        }
        var decoding = DecodingSettings()
        if let object = try reader.object("decoding", allowed: decodingFields) {
            decoding.temperature = try object.number("temperature", in: 0...5)
            decoding.topP = try object.number("topP", in: 0...1)
            decoding.maxTokens = try object.integer("maxTokens", in: 1...1_000_000)
            decoding.stop = try object.strings("stop") ?? []
        }
        var examples: [FewShotExample] = []
        for (index, item) in (try reader.array("fewShotExamples") ?? []).enumerated() {
            let example = try JSONObjectReader(item, path: reader.qualified("fewShotExamples[\(index)]"), allowed: exampleFields)
            examples.append(FewShotExample(user: try example.requiredString("user"), assistant: try example.requiredString("assistant")))
        }
        var simulation: SimulationProfile?
        if let object = try reader.object("simulation", allowed: simulationFields) {
            simulation = try parseSimulation(object)
        }
        var quality: [Domain: Double] = [:]
        if let object = try reader.object("quality", allowed: Set(Domain.allCases.map(\.rawValue))) {
            for domain in Domain.allCases {
                quality[domain] = try object.number(domain.rawValue, in: 0...1)
            }
        }
        if provider == .simulated && simulation == nil {
            throw FieldError(field: reader.qualified("simulation"), problem: "missing; a simulated model needs its accuracy and latency")
        }
        if provider == .openai && !reader.has("endpoint") {
            throw FieldError(field: reader.qualified("endpoint"), problem: "missing; an openai model needs the base URL of its endpoint")
        }
        if let endpoint = try reader.string("endpoint"), !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw FieldError(field: reader.qualified("endpoint"), problem: "expected an http:// or https:// base URL, got \"\(endpoint)\"")
        }
        return ModelSpec(
            name: name,
            provider: provider,
            modelID: try reader.string("modelID") ?? name,
            endpoint: try reader.string("endpoint"),
            endpointEnvironment: try reader.string("endpointEnvironment"),
            apiKeyEnvironment: try reader.string("apiKeyEnvironment"),
            inputPricePerMillion: try reader.number("inputPricePerMillion", in: 0...10_000) ?? 0,
            outputPricePerMillion: try reader.number("outputPricePerMillion", in: 0...10_000) ?? 0,
            contextLength: try reader.integer("contextLength", in: 256...100_000_000) ?? 8192,
            description: try reader.requiredString("description"),
            limits: limits,
            decoding: decoding,
            fewShotExamples: examples,
            simulation: simulation,
            quality: quality
        )
    }

    private static func parseSimulation(_ reader: JSONObjectReader) throws(FieldError) -> SimulationProfile {
        guard let accuracyReader = try reader.object("accuracy", allowed: Set(Domain.allCases.map(\.rawValue))) else {
            throw FieldError(field: reader.qualified("accuracy"), problem: "missing; expected an object of domain → probability")
        }
        var accuracy: [Domain: Double] = [:]
        for domain in Domain.allCases {
            accuracy[domain] = try accuracyReader.number(domain.rawValue, in: 0...1)
        }
        guard let latency = try reader.number("latencyMilliseconds", in: 0...600_000) else {
            throw FieldError(field: reader.qualified("latencyMilliseconds"), problem: "missing; expected a number of milliseconds")
        }
        return SimulationProfile(
            accuracy: accuracy,
            latencyMilliseconds: latency,
            latencyJitterMilliseconds: try reader.number("latencyJitterMilliseconds", in: 0...600_000) ?? 0,
            outputTokens: try reader.integer("outputTokens", in: 1...100_000) ?? 120,
            conformity: try reader.number("conformity", in: 0...1) ?? 0.3,
            slipShare: try reader.number("slipShare", in: 0...1) ?? SimulationProfile.defaultSlipShare
        )
    }
}
