import Foundation

/// Everything the controller chooses from: the fleet, the roles and the topologies.
public struct Catalog: Sendable, Codable, Equatable {
    /// The models.
    public var fleet: Fleet
    /// The roles, in a stable order (by file, then file order).
    public var roles: [Role]
    /// The topologies, in a stable order (by name).
    public var topologies: [Topology]

    public init(fleet: Fleet, roles: [Role], topologies: [Topology]) {
        self.fleet = fleet
        self.roles = roles
        self.topologies = topologies
    }

    /// The topology with a name.
    public func topology(named name: String) -> Topology? {
        topologies.first { $0.name == name }
    }

    /// The role with a name.
    public func role(named name: String) -> Role? {
        roles.first { $0.name == name }
    }

    /// A stable hash of the whole catalogue: a controller trained on one catalogue records it.
    public var hash: String {
        StableHash.hex(StableHash.fnv1a(bytes: canonicalJSON))
    }

    /// A stable hash of the fleet alone.
    public var fleetHash: String {
        StableHash.hex(StableHash.fnv1a(bytes: Self.canonicalEncoder.encodeOrEmpty(fleet)))
    }

    private var canonicalJSON: Data {
        Self.canonicalEncoder.encodeOrEmpty(self)
    }

    private static var canonicalEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// Checks that every name a task pins exists and fits the catalogue.
    public func validatePins(of task: OrchestrationTask) throws(FieldError) {
        let pins = task.constraints
        var topology: Topology?
        if let name = pins.topology {
            guard let found = self.topology(named: name) else {
                throw FieldError(
                    field: "constraints.topology",
                    problem: "expected one of \(topologies.map(\.name).joined(separator: ", ")), got \"\(name)\""
                )
            }
            topology = found
        }
        for (index, name) in (pins.roles ?? []).enumerated() where role(named: name) == nil {
            throw FieldError(field: "constraints.roles[\(index)]", problem: "expected a role of the catalogue (see Workflows/roles), got \"\(name)\"")
        }
        for (index, name) in (pins.models ?? []).enumerated() where fleet.model(named: name) == nil {
            let names = fleet.models.map(\.name).joined(separator: ", ")
            throw FieldError(field: "constraints.models[\(index)]", problem: "expected a model of fleet '\(fleet.name)' (\(names)), got \"\(name)\"")
        }
        let pinnedCount = pins.agentCount ?? pins.roles?.count
        if let topology, let count = pinnedCount, !topology.agents.contains(count) {
            let field = pins.agentCount != nil ? "constraints.agentCount" : "constraints.roles"
            throw FieldError(
                field: field,
                problem:
                    "expected \(topology.agents.lowerBound) to \(topology.agents.upperBound) agents for topology '\(topology.name)', got \(count)"
            )
        }
        if let topology, let limit = task.budget.maxAgents, topology.agents.lowerBound > limit {
            throw FieldError(
                field: "budget.maxAgents",
                problem: "topology '\(topology.name)' needs at least \(topology.agents.lowerBound) agents, but the budget allows \(limit)"
            )
        }
    }
}

extension JSONEncoder {
    fileprivate func encodeOrEmpty(_ value: some Encodable) -> Data {
        (try? encode(value)) ?? Data()
    }
}

extension Domain: CodingKeyRepresentable {}

extension Catalog {
    /// The topologies a plan may use on this fleet: all of them, except, on a fleet that answers from recordings,
    /// those whose agents read each other's messages (cascades excepted: their levels answer afresh there).
    public var playableTopologies: [Topology] {
        topologies.filter { isPlayable($0) }
    }

    /// Whether a topology can run on this fleet faithfully (see `playableTopologies`).
    public func isPlayable(_ topology: Topology) -> Bool {
        !fleet.answersFromRecordings || topology.isCascade || !topology.readsMessages
    }

    /// Throws, naming the topology and what would run instead, when it cannot run on this fleet faithfully.
    public func checkReplayable(_ topology: Topology) throws(PlanningError) {
        guard !isPlayable(topology) else { return }
        let playable = playableTopologies.map(\.name).joined(separator: ", ")
        throw PlanningError(
            message:
                "topology '\(topology.name)' has agents that read other agents' messages, and fleet '\(fleet.name)' answers from recordings, which cannot react to a message; on it use a topology whose agents answer independently: \(playable)"
        )
    }
}
