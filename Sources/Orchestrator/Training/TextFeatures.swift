import Foundation

/// TF-IDF of a query's words and word pairs, fitted on training queries, plus the prior's profile of the query
/// (difficulty, length, numbers, step, code and choice cues, the inferred domain): the features the outcome model
/// reads. Vectors are sparse, keyed by feature index.
public struct TextFeatures: Sendable, Codable, Equatable {
    /// Term → index and inverse document frequency.
    public var vocabulary: [String: Int]
    public var inverseFrequency: [Double]

    /// How many profile features follow the terms.
    public static let profileCount = 10

    /// The vocabulary of terms in at least `minimumDocuments` training queries, at most `maximumTerms` of the most
    /// frequent.
    public init(fitting queries: [String], minimumDocuments: Int = 2, maximumTerms: Int = 20_000) {
        var documentFrequency: [String: Int] = [:]
        for query in queries {
            for term in Set(Self.terms(query)) { documentFrequency[term, default: 0] += 1 }
        }
        let kept = documentFrequency.filter { $0.value >= minimumDocuments }
            .sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .prefix(maximumTerms)
        vocabulary = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.element.key, $0.offset) })
        let n = Double(max(queries.count, 1))
        inverseFrequency = kept.map { log((1 + n) / (1 + Double($0.value))) + 1 }
    }

    /// The number of features: terms, then the profile.
    public var dimension: Int { vocabulary.count + Self.profileCount }

    /// A text's L2-normalised TF-IDF terms, indexed by the vocabulary.
    public func termVector(_ text: String) -> [Int: Double] {
        var vector: [Int: Double] = [:]
        for term in Self.terms(text) {
            if let index = vocabulary[term] { vector[index, default: 0] += inverseFrequency[index] }
        }
        let norm = vector.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { vector = vector.mapValues { $0 / norm } }
        return vector
    }

    /// A query's features: its L2-normalised TF-IDF terms, then its profile.
    public func vector(_ query: String) -> [Int: Double] {
        var vector = termVector(query)
        let profile = QueryProfile(query: query)
        let base = vocabulary.count
        let values = [
            profile.difficulty, log1p(Double(profile.wordCount)) / 5, log1p(Double(profile.numberCount)) / 3,
            Double(min(profile.stepCues, 6)) / 6, Double(min(profile.codeCues, 6)) / 6, Double(min(profile.choiceCues, 6)) / 6,
            profile.inferredDomain == .math ? 1 : 0, profile.inferredDomain == .knowledge ? 1 : 0,
            profile.inferredDomain == .code ? 1 : 0, profile.inferredDomain == .general ? 1 : 0,
        ]
        for (offset, value) in values.enumerated() where value != 0 { vector[base + offset] = value }
        return vector
    }

    /// Lower-cased words and adjacent word pairs.
    static func terms(_ query: String) -> [String] {
        let words = HashingEmbedder.words(query)
        return words + zip(words, words.dropFirst()).map { "\($0) \($1)" }
    }
}

/// A logistic regression over sparse features with an L2 penalty, fitted by full-batch gradient descent with Adam:
/// for thousands of TF-IDF features, where Newton's method (`LogisticModel`) would not fit.
public struct SparseLogisticModel: Sendable, Codable, Equatable {
    public var bias: Double
    public var weights: [Double]

    /// The probability of a positive label; `offset` is added to the log-odds (another model's, which this one
    /// adjusts).
    public func probability(_ features: [Int: Double], offset: Double = 0) -> Double {
        var z = bias + offset
        for (index, value) in features where index < weights.count { z += weights[index] * value }
        return 1 / (1 + exp(-z))
    }

    /// Fits labels to sparse rows of `dimension` features; deterministic. With `offsets` (one log-odds per row,
    /// another model's) the model learns what to add to them, starting from no change.
    public static func fit(
        _ rows: [[Int: Double]],
        labels: [Bool],
        dimension: Int,
        penalty: Double = 1e-3,
        iterations: Int = 300,
        offsets: [Double]? = nil
    ) -> SparseLogisticModel {
        var model = SparseLogisticModel(bias: 0, weights: [Double](repeating: 0, count: dimension))
        let n = Double(max(rows.count, 1))
        let positives = Double(labels.filter { $0 }.count)
        if offsets == nil, positives > 0 && positives < n { model.bias = log(positives / (n - positives)) }
        let offsets = offsets ?? [Double](repeating: 0, count: rows.count)
        // The rows once as flat arrays of (index, value): iterating dictionaries each step is what made fits slow.
        var starts = [0]
        var indices: [Int] = []
        var values: [Double] = []
        for row in rows {
            for (index, value) in row.sorted(by: { $0.key < $1.key }) where index < dimension {
                indices.append(index)
                values.append(value)
            }
            starts.append(indices.count)
        }
        let targets = labels.map { $0 ? 1.0 : 0.0 }
        var first = [Double](repeating: 0, count: dimension + 1)
        var second = [Double](repeating: 0, count: dimension + 1)
        var gradient = [Double](repeating: 0, count: dimension + 1)
        let rate = 0.05
        for step in 1...max(iterations, 1) {
            for index in gradient.indices { gradient[index] = 0 }
            model.weights.withUnsafeBufferPointer { weights in
                gradient.withUnsafeMutableBufferPointer { gradient in
                    for row in 0..<rows.count {
                        var z = model.bias + offsets[row]
                        for entry in starts[row]..<starts[row + 1] { z += weights[indices[entry]] * values[entry] }
                        let error = (1 / (1 + exp(-z)) - targets[row]) / n
                        gradient[dimension] += error
                        for entry in starts[row]..<starts[row + 1] { gradient[indices[entry]] += error * values[entry] }
                    }
                }
            }
            for index in 0..<dimension { gradient[index] += penalty * model.weights[index] }
            let correction1 = 1 - pow(0.9, Double(step))
            let correction2 = 1 - pow(0.999, Double(step))
            for index in 0...dimension {
                first[index] = 0.9 * first[index] + 0.1 * gradient[index]
                second[index] = 0.999 * second[index] + 0.001 * gradient[index] * gradient[index]
                let change = rate * (first[index] / correction1) / ((second[index] / correction2).squareRoot() + 1e-8)
                if index == dimension { model.bias -= change } else { model.weights[index] -= change }
            }
        }
        return model
    }
}
