/// A small, fast, seedable random number generator (SplitMix64).
///
/// Everything random in a run (sampling a plan, simulated model outcomes) draws from one of these,
/// so the same seed gives the same run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// Creates a generator whose seed is derived from a base seed and a list of labels.
    public init(seed: UInt64, labels: [String]) {
        state = StableHash.combine(labels, seed: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
