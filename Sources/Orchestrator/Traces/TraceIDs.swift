import Foundation

/// OpenTelemetry-shaped identifiers: 16-byte trace ids and 8-byte span ids, as lower-case hex; and run ids.
public enum TraceIDs {
    /// A new run id: a version 7 UUID (RFC 9562) in lower case — the Unix time in milliseconds, then a fraction of the
    /// millisecond in 12 bits, then 62 random bits from the system's generator. Ids made later sort later, so the
    /// trace tables' indexes on run ids take each new run at their right edge: a run's transaction, and a group of
    /// runs', touch the same few pages instead of one page an index a run at random (fewer pages written to the log
    /// and checkpointed; the pages a write needs stay in the cache). Made without Foundation's `UUID()`, which opens
    /// /dev/urandom for each one.
    public static func runID() -> String {
        runID(at: Date())
    }

    /// The run id of a run started at `time` (`runID()`; tests give the time).
    static func runID(at time: Date) -> String {
        let ticks = UInt64(max(0, time.timeIntervalSince1970) * 1000 * 4096)
        let milliseconds = ticks >> 12
        let fraction = ticks & 0xFFF
        var generator = SystemRandomNumberGenerator()
        let random: UInt64 = generator.next()
        let high = milliseconds << 16 | 0x7000 | fraction
        let low = random & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        let hex = StableHash.hex(high) + StableHash.hex(low)
        let digits = Array(hex.utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, digit) in digits.enumerated() {
            if [8, 12, 16, 20].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(digit)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The short form of a run id that lists and reports show: its last eight characters, which are random (the
    /// first ones are the time, shared by the runs of a minute). `TraceStore.resolveRun` takes it back.
    public static func short(_ runID: String) -> String {
        String(runID.suffix(8))
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
