import Foundation

/// Loads a catalogue from a workflows folder (`roles/*.json`, `topologies/*.json`) and a fleet file.
///
/// Every file is validated strictly; errors name the file, the field and what was expected.
public struct CatalogLoader: Sendable {
    /// The workflows folder.
    public var workflowsDirectory: String

    public init(workflowsDirectory: String) {
        self.workflowsDirectory = workflowsDirectory
    }

    /// The default fleet file inside the workflows folder.
    public var defaultFleetPath: String {
        (workflowsDirectory as NSString).appendingPathComponent("fleets/simulated.json")
    }

    /// Loads the roles, the topologies and the fleet at `fleetPath` (the default fleet when nil).
    public func load(fleetPath: String? = nil) throws(CatalogError) -> Catalog {
        let fleet = try loadFleet(path: fleetPath ?? defaultFleetPath)
        var roles: [Role] = []
        for file in try jsonFiles(in: "roles") {
            roles += try parse(file, with: RoleFileParser.parse)
        }
        var topologies: [Topology] = []
        for file in try jsonFiles(in: "topologies") {
            topologies.append(try parse(file, with: TopologyFileParser.parse))
        }
        try checkUnique(roles.map(\.name), kind: "role", folder: "roles")
        try checkUnique(topologies.map(\.name), kind: "topology", folder: "topologies")
        topologies.sort { $0.name < $1.name }
        return Catalog(fleet: fleet, roles: roles, topologies: topologies)
    }

    /// Loads and validates a fleet file.
    public func loadFleet(path: String) throws(CatalogError) -> Fleet {
        try parse(path, with: FleetFileParser.parse)
    }

    /// Reads a file, parses it, and hands it to a parser; errors get the line of their field.
    private func parse<Parsed>(_ path: String, with parser: (JSONValue, String) throws(CatalogError) -> Parsed) throws(CatalogError) -> Parsed {
        let document = try document(at: path)
        do {
            return try parser(document.value, path)
        } catch {
            var located = error
            located.line = error.field.map(document.line(of:))
            throw located
        }
    }

    private func document(at path: String) throws(CatalogError) -> JSONParser.Document {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CatalogError(file: path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        do throws(JSONSyntaxError) {
            return try JSONValue.document(text)
        } catch {
            throw CatalogError(file: path, line: error.line, problem: error.reason)
        }
    }

    private func jsonFiles(in folder: String) throws(CatalogError) -> [String] {
        let directory = (workflowsDirectory as NSString).appendingPathComponent(folder)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw CatalogError(
                file: directory,
                problem: "cannot list the folder; expected a workflows folder with \(folder)/*.json (use --workflows)"
            )
        }
        let files = names.filter { $0.hasSuffix(".json") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
        if files.isEmpty {
            throw CatalogError(file: directory, problem: "no .json files; expected at least one")
        }
        return files
    }

    private func checkUnique(_ names: [String], kind: String, folder: String) throws(CatalogError) {
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            throw CatalogError(
                file: (workflowsDirectory as NSString).appendingPathComponent(folder),
                field: "name",
                problem: "\(kind) '\(name)' is defined twice"
            )
        }
    }
}
