import Foundation

/// OpenTelemetry-shaped identifiers: 16-byte trace ids and 8-byte span ids, as lower-case hex; and run ids.
public enum TraceIDs {
    /// A new random run id: a version 4 UUID in lower case, from the system's generator (Foundation's `UUID()` opens
    /// /dev/urandom for each one, a system call a request could do without).
    public static func runID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            let value: UInt64 = generator.next()
            for index in 0..<8 { bytes[half * 8 + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
                bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
        return uuid.uuidString.lowercased()
    }

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
