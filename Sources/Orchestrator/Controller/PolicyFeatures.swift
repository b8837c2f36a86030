/// The features every learned stage of the controller scores candidates from: a bias, the query's difficulty,
/// its domain (one-hot) and its embedding.
public enum PolicyFeatures {
    /// The number of features for an embedding of `dimension`.
    public static func count(embeddingDimension dimension: Int) -> Int { 2 + Domain.allCases.count + dimension }

    public static func vector(queryVector: [Double], difficulty: Double, domain: Domain) -> [Double] {
        [1, difficulty] + Domain.allCases.map { $0 == domain ? 1 : 0 } + queryVector
    }
}
