import Foundation

extension NetworkGraph {
    static let fileFields: Set<String> = ["name", "family", "parameters", "seed", "agents", "edges", "diameter", "maxDegree"]

    /// Loads a graph file of `Workflows/graphs/`: `{"name", "family", "agents": [names], "edges": [[i, j]]}`.
    /// Errors name the file and the field.
    public static func load(path: String) throws(CatalogError) -> NetworkGraph {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CatalogError(file: path, field: nil, problem: "cannot read the graph file (\(error.localizedDescription))")
        }
        do throws(FieldError) {
            return try parse(text: text)
        } catch {
            throw CatalogError(file: path, field: error.field, problem: error.problem)
        }
    }

    /// Parses a graph document.
    static func parse(text: String) throws(FieldError) -> NetworkGraph {
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONValue.parse(text)
        } catch {
            throw FieldError(field: "(top level)", problem: error.reason)
        }
        let reader = try JSONObjectReader(value, allowed: fileFields)
        let name = try reader.requiredString("name")
        guard let agents = try reader.strings("agents"), agents.count >= 2 else {
            throw FieldError(field: "agents", problem: "expected at least two agent names")
        }
        if Set(agents).count != agents.count {
            throw FieldError(field: "agents", problem: "expected unique names")
        }
        var edges: [Edge] = []
        for (index, item) in (try reader.array("edges") ?? []).enumerated() {
            guard case .array(let pair) = item, pair.count == 2, case .number(let a) = pair[0], case .number(let b) = pair[1],
                a == a.rounded(), b == b.rounded(), (0..<Double(agents.count)).contains(a), (0..<Double(agents.count)).contains(b), a != b
            else {
                throw FieldError(
                    field: "edges[\(index)]",
                    problem: "expected two different agent indices from 0 to \(agents.count - 1), got \(item.preview)"
                )
            }
            edges.append(Edge(Int(a), Int(b)))
        }
        guard !edges.isEmpty else { throw FieldError(field: "edges", problem: "expected at least one edge") }
        let graph = NetworkGraph(name: name, family: try reader.string("family") ?? "custom", agents: agents, edges: edges)
        guard graph.diameter < graph.order else { throw FieldError(field: "edges", problem: "expected a connected graph") }
        return graph
    }
}
