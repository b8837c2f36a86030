/// The models the controller may route to.
public struct Fleet: Sendable, Codable, Equatable {
    /// The fleet's name, shown in output and traces.
    public var name: String
    /// What the fleet is for.
    public var description: String
    /// The models, in file order.
    public var models: [ModelSpec]

    public init(name: String, description: String, models: [ModelSpec]) {
        self.name = name
        self.description = description
        self.models = models
    }

    /// True when any model is simulated: output and traces must say so.
    public var isSimulated: Bool {
        models.contains { $0.provider == .simulated }
    }

    /// True when any model answers from recorded outcomes: such a model cannot react to another agent's message.
    public var answersFromRecordings: Bool {
        models.contains { $0.provider == .recorded }
    }

    /// Each model's fleet name by its `modelID` (the first model of an id wins): how recordings keyed by model id map
    /// to the fleet.
    public var namesByModelID: [String: String] {
        Dictionary(models.map { ($0.modelID, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The model with a name.
    public func model(named name: String) -> ModelSpec? {
        models.first { $0.name == name }
    }
}
