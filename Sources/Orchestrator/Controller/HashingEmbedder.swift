/// The built-in embedder: signed feature hashing of words, word pairs and character trigrams,
/// L2-normalised. Deterministic, dependency-free, no network, and fast enough to be invisible.
public struct HashingEmbedder: Embedder {
    public let dimension: Int

    public init(dimension: Int = 256) {
        precondition(dimension > 0, "an embedding needs at least one dimension")
        self.dimension = dimension
    }

    public var identifier: String { "hashing-\(dimension)" }

    public func embed(_ texts: [String]) async throws -> [[Double]] {
        texts.map(vector)
    }

    /// The embedding of one text, synchronously.
    public func vector(_ text: String) -> [Double] {
        var vector = [Double](repeating: 0, count: dimension)
        let words = Self.words(text)
        for (index, word) in words.enumerated() {
            add("w:" + word, weight: 1.0, to: &vector)
            if index > 0 {
                add("b:" + words[index - 1] + " " + word, weight: 0.7, to: &vector)
            }
            let padded = Array("#" + word + "#")
            if padded.count > 3 {
                for start in 0...(padded.count - 3) {
                    add("c:" + String(padded[start..<start + 3]), weight: 0.35, to: &vector)
                }
            }
        }
        return vector.l2Normalised()
    }

    private func add(_ feature: String, weight: Double, to vector: inout [Double]) {
        let hash = StableHash.fnv1a(feature)
        let slot = Int(hash % UInt64(dimension))
        let sign: Double = (hash >> 63) == 0 ? 1 : -1
        vector[slot] += sign * weight
    }

    /// Lower-cased runs of letters and digits.
    static func words(_ text: String) -> [String] {
        let lowered = text.lowercased()
        if lowered.utf8.allSatisfy({ $0 < 0x80 }) { return asciiWords(lowered) }
        var words: [String] = []
        var current = ""
        for character in lowered {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `words` of lowercased ASCII text, byte by byte (most prompts): the same words without reading graphemes.
    private static func asciiWords(_ lowered: String) -> [String] {
        var words: [String] = []
        var text = lowered
        text.withUTF8 { bytes in
            var start: Int?
            for (index, byte) in bytes.enumerated() {
                if (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) {
                    if start == nil { start = index }
                } else if let first = start {
                    words.append(String(decoding: bytes[first..<index], as: UTF8.self))
                    start = nil
                }
            }
            if let first = start { words.append(String(decoding: bytes[first...], as: UTF8.self)) }
        }
        return words
    }
}
