extension OrchestrationTask {
    /// The id of a task asked without one (a chat request, an MCP tool call): `prefix`, a dash and the first twelve
    /// hex digits of the query's stable hash. The same question is the same task — the store groups its runs, the
    /// simulated fleet answers it alike, and with the same seed a run is reproduced — and the id says nothing of the
    /// answer.
    public static func queryID(_ query: String, prefix: String) -> String {
        "\(prefix)-\(StableHash.hex(StableHash.mix(StableHash.fnv1a(query))).prefix(12))"
    }
}
