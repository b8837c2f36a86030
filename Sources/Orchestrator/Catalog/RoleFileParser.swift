/// Validates a role library file: `{"domain", "roles": [{"name", "description", "systemPrompt", "decision"}]}`.
enum RoleFileParser {
    static let fileFields: Set<String> = ["domain", "description", "roles"]
    static let roleFields: Set<String> = ["name", "description", "systemPrompt", "decision"]

    static func parse(_ value: JSONValue, file: String) throws(CatalogError) -> [Role] {
        do throws(FieldError) {
            let reader = try JSONObjectReader(value, allowed: fileFields)
            guard let domain = try reader.oneOf("domain", as: Domain.self) else {
                throw FieldError(field: "domain", problem: "missing; expected one of \(Domain.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let items = try reader.array("roles"), !items.isEmpty else {
                throw FieldError(field: "roles", problem: "expected a non-empty array of roles")
            }
            var roles: [Role] = []
            for (index, item) in items.enumerated() {
                let role = try JSONObjectReader(item, path: "roles[\(index)]", allowed: roleFields)
                roles.append(
                    Role(
                        name: try role.requiredString("name"),
                        domain: domain,
                        description: try role.requiredString("description"),
                        systemPrompt: try role.requiredString("systemPrompt"),
                        isDecision: try role.bool("decision") ?? false
                    )
                )
            }
            return roles
        } catch {
            throw CatalogError(file: file, field: error.field, problem: error.problem)
        }
    }
}
