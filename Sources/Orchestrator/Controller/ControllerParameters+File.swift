import Foundation

/// A controller file that cannot be used.
public struct ControllerFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public var description: String { "\(file): \(problem)" }
}

extension ControllerParameters {
    /// Loads a controller file and checks it against the catalogue and embedder it will run with. A file
    /// trained on another catalogue is refused: its candidates and their meaning may differ.
    public static func load(path: String, catalog: Catalog, embedder: any Embedder) throws(ControllerFileError) -> ControllerParameters {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ControllerFileError(file: path, problem: "cannot read the controller file (\(error.localizedDescription))")
        }
        return try decode(data, source: path, catalog: catalog, embedder: embedder)
    }

    /// Reads a controller file's JSON (from a file, or as a trace store keeps it) and checks it as `load` does;
    /// `source` names it in errors.
    public static func decode(
        _ data: Data,
        source: String,
        catalog: Catalog,
        embedder: any Embedder
    ) throws(ControllerFileError) -> ControllerParameters {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let parameters: ControllerParameters
        do {
            parameters = try decoder.decode(ControllerParameters.self, from: data)
        } catch {
            throw ControllerFileError(file: source, problem: "not a controller file: \(error)")
        }
        guard parameters.formatVersion == formatVersion else {
            throw ControllerFileError(file: source, problem: "format \(parameters.formatVersion); this build reads format \(formatVersion)")
        }
        guard parameters.catalogHash == catalog.hash else {
            throw ControllerFileError(
                file: source,
                problem:
                    "trained on catalogue \(parameters.catalogHash.prefix(12)), but this catalogue (fleet '\(catalog.fleet.name)', its roles and topologies) is \(catalog.hash.prefix(12)); train a controller for it"
            )
        }
        let expected = PolicyFeatures.count(embeddingDimension: embedder.dimension)
        guard parameters.embedder == embedder.identifier, parameters.featureCount == expected else {
            throw ControllerFileError(
                file: source,
                problem:
                    "trained with embedder \(parameters.embedder) (\(parameters.featureCount) features); this one is \(embedder.identifier) (\(expected))"
            )
        }
        return parameters
    }

    /// The controller file's text (JSON, keys sorted, dates in ISO 8601), as `save` writes it without the indentation.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Writes the file (pretty JSON, keys sorted).
    public func save(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
