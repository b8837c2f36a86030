/// OpenTelemetry-shaped identifiers: 16-byte trace ids and 8-byte span ids, as lower-case hex.
public enum TraceIDs {
    /// A new random trace id (32 hex digits).
    public static func traceID() -> String {
        var generator = SystemRandomNumberGenerator()
        return StableHash.hex(generator.next()) + StableHash.hex(generator.next())
    }

    /// A new random span id (16 hex digits).
    public static func spanID() -> String {
        var generator = SystemRandomNumberGenerator()
        return StableHash.hex(generator.next())
    }
}
