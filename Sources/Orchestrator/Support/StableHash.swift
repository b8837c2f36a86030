/// Deterministic, platform-independent hashing (64-bit FNV-1a).
///
/// Swift's `Hasher` is randomly seeded per process, so anything that must give the same
/// value across runs (embeddings, simulated outcomes, catalogue hashes) uses this instead.
public enum StableHash {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// Hashes the UTF-8 bytes of a string.
    public static func fnv1a(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var hash = offsetBasis ^ seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        return hash
    }

    /// Hashes raw bytes.
    public static func fnv1a<Bytes: Sequence>(bytes: Bytes, seed: UInt64 = 0) -> UInt64 where Bytes.Element == UInt8 {
        var hash = offsetBasis ^ seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        return hash
    }

    /// Combines several parts into one hash, order-sensitive.
    public static func combine(_ parts: [String], seed: UInt64 = 0) -> UInt64 {
        var hash = seed
        for part in parts {
            hash = mix(hash ^ fnv1a(part))
        }
        return hash
    }

    /// A strong 64-bit finaliser (from SplitMix64).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Lower-case hexadecimal with leading zeros.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
