import Foundation

/// A logistic regression over standardised features with an L2 penalty, fitted by Newton's method: the
/// probability of a positive label (here: an answer is wrong) as a calibrated number in (0, 1).
public struct LogisticModel: Sendable, Codable, Equatable {
    /// Per-feature mean and spread of the training data, used to standardise.
    public var means: [Double]
    public var scales: [Double]
    /// The intercept, then one weight per standardised feature.
    public var weights: [Double]

    /// The probability of a positive label for these features.
    public func probability(_ features: [Double]) -> Double {
        1 / (1 + exp(-logOdds(features)))
    }

    /// The log-odds of a positive label for these features.
    public func logOdds(_ features: [Double]) -> Double {
        var z = weights[0]
        for index in features.indices where index < means.count {
            z += weights[index + 1] * (features[index] - means[index]) / scales[index]
        }
        return z
    }

    /// Fits labels to features; `penalty` is the L2 weight on each standardised feature's weight (not the
    /// intercept). Deterministic: the same data gives the same model.
    public static func fit(features: [[Double]], labels: [Bool], penalty: Double = 1, iterations: Int = 25) -> LogisticModel {
        let count = features.first?.count ?? 0
        let n = Double(max(features.count, 1))
        var means = [Double](repeating: 0, count: count)
        var scales = [Double](repeating: 1, count: count)
        for index in 0..<count {
            let column = features.map { $0[index] }
            let mean = column.reduce(0, +) / n
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            means[index] = mean
            scales[index] = variance > 1e-12 ? variance.squareRoot() : 1
        }
        let rows = features.map { row in [1.0] + row.indices.map { (row[$0] - means[$0]) / scales[$0] } }
        let y = labels.map { $0 ? 1.0 : 0.0 }
        let dimension = count + 1
        var weights = [Double](repeating: 0, count: dimension)
        let positives = y.reduce(0, +)
        if positives > 0 && positives < n { weights[0] = log(positives / (n - positives)) }
        for _ in 0..<iterations {
            var gradient = [Double](repeating: 0, count: dimension)
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: dimension), count: dimension)
            for (row, label) in zip(rows, y) {
                var z = 0.0
                for index in 0..<dimension { z += weights[index] * row[index] }
                let p = 1 / (1 + exp(-z))
                let w = max(p * (1 - p), 1e-9)
                for i in 0..<dimension {
                    gradient[i] += (p - label) * row[i]
                    for j in i..<dimension { hessian[i][j] += w * row[i] * row[j] }
                }
            }
            for i in 0..<dimension {
                for j in 0..<i { hessian[i][j] = hessian[j][i] }
                if i > 0 {
                    gradient[i] += penalty * weights[i]
                    hessian[i][i] += penalty
                }
            }
            hessian[0][0] += 1e-9
            guard let step = solve(hessian, gradient) else { break }
            var largest = 0.0
            for index in 0..<dimension {
                weights[index] -= step[index]
                largest = max(largest, abs(step[index]))
            }
            if largest < 1e-8 { break }
        }
        return LogisticModel(means: means, scales: scales, weights: weights)
    }

    /// Solves `matrix · x = vector` by Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        var a = matrix
        var b = vector
        let n = b.count
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), abs(a[pivot][column]) > 1e-12 else {
                return nil
            }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                if factor == 0 { continue }
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}
