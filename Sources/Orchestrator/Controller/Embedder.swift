/// Turns text into a vector the controller can score against. Vectors are L2-normalised.
public protocol Embedder: Sendable {
    /// The length of every vector.
    var dimension: Int { get }
    /// An identifier recorded with trained controllers (different embedders give different features).
    var identifier: String { get }
    /// Embeds several texts.
    func embed(_ texts: [String]) async throws -> [[Double]]
}

extension Array where Element == Double {
    /// The vector scaled to length 1; a zero vector stays as it is.
    func l2Normalised() -> [Double] {
        let norm = dot(self).squareRoot()
        return norm > 0 ? map { $0 / norm } : self
    }

    /// The dot product; for L2-normalised vectors, the cosine similarity.
    func dot(_ other: [Double]) -> Double {
        var sum = 0.0
        for index in 0..<Swift.min(count, other.count) {
            sum += self[index] * other[index]
        }
        return sum
    }
}
