import Foundation

/// Loads a catalogue from a workflows folder (`roles/*.json`, `topologies/*.json`) and a fleet file.
///
/// Every file is validated strictly; errors name the file, the field and what was expected. The default folder,
/// `Workflows`, is read from the working directory when it is there, and otherwise from the copy the library carries
/// (`BundledWorkflows`, kept in step with the repository's `Workflows/`), so a program that depends on the library runs
/// without copying files; a folder of the user's own, named or in the working directory, always wins.
public struct CatalogLoader: Sendable {
    /// The workflows folder.
    public var workflowsDirectory: String

    /// The folder name that falls back to the bundled catalogue when the working directory has none.
    public static let defaultDirectory = "Workflows"

    public init(workflowsDirectory: String = CatalogLoader.defaultDirectory) {
        self.workflowsDirectory = workflowsDirectory
    }

    /// Whether this loader reads the bundled catalogue: the default folder, absent from the working directory.
    public var usesBundledCatalogue: Bool {
        var isDirectory: ObjCBool = false
        return workflowsDirectory == Self.defaultDirectory
            && !(FileManager.default.fileExists(atPath: workflowsDirectory, isDirectory: &isDirectory) && isDirectory.boolValue)
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
        if let bundled = bundledText(at: path) {
            text = bundled
        } else {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw CatalogError(file: path, problem: "cannot read the file (\(error.localizedDescription))")
            }
        }
        do throws(JSONSyntaxError) {
            return try JSONValue.document(text)
        } catch {
            throw CatalogError(file: path, line: error.line, problem: error.reason)
        }
    }

    /// The bundled text of a path inside the default folder, when this loader reads the bundled catalogue.
    private func bundledText(at path: String) -> String? {
        let prefix = workflowsDirectory + "/"
        guard usesBundledCatalogue, path.hasPrefix(prefix) else { return nil }
        return BundledWorkflows.files[String(path.dropFirst(prefix.count))]
    }

    private func jsonFiles(in folder: String) throws(CatalogError) -> [String] {
        let directory = (workflowsDirectory as NSString).appendingPathComponent(folder)
        if usesBundledCatalogue {
            return BundledWorkflows.files.keys.filter { $0.hasPrefix(folder + "/") }.sorted().map {
                (workflowsDirectory as NSString).appendingPathComponent($0)
            }
        }
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
