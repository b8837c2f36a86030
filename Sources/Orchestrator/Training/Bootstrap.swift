import Foundation

/// The paired bootstrap: a statistic of items drawn with replacement, many times, and the 95% interval of what it
/// gave. Seeded, so the same data gives the same interval.
public enum Bootstrap {
    /// The 2.5% and 97.5% quantiles of `statistic` over `samples` resamples of `count` items (indices, repeats
    /// allowed), and how many resamples gave a value.
    public static func interval(
        count: Int,
        samples: Int,
        seed: UInt64,
        label: String,
        statistic: ([Int]) -> Double?
    ) -> (low: Double, high: Double, samples: Int) {
        var random = SeededGenerator(seed: seed, labels: [label])
        var values: [Double] = []
        for _ in 0..<samples {
            let sample = (0..<count).map { _ in Int(random.nextUnit() * Double(count)) % max(count, 1) }
            if let value = statistic(sample) { values.append(value) }
        }
        values.sort()
        func quantile(_ q: Double) -> Double {
            values.isEmpty ? 0 : values[min(values.count - 1, Int(q * Double(values.count)))]
        }
        return (quantile(0.025), quantile(0.975), values.count)
    }

    /// The 2.5% and 97.5% quantiles of mean(`first`) − mean(`second`) over `samples` resamples of two independent
    /// samples, each drawn with replacement from its own values.
    public static func differenceOfMeans(
        _ first: [Double],
        _ second: [Double],
        samples: Int,
        seed: UInt64,
        label: String
    ) -> (low: Double, high: Double) {
        guard !first.isEmpty, !second.isEmpty else { return (0, 0) }
        var random = SeededGenerator(seed: seed, labels: [label, "two samples"])
        func resampledMean(_ values: [Double]) -> Double {
            var sum = 0.0
            for _ in values.indices { sum += values[Int(random.nextUnit() * Double(values.count)) % values.count] }
            return sum / Double(values.count)
        }
        var differences = (0..<samples).map { _ in resampledMean(first) - resampledMean(second) }
        differences.sort()
        func quantile(_ q: Double) -> Double { differences[min(differences.count - 1, Int(q * Double(differences.count)))] }
        return (quantile(0.025), quantile(0.975))
    }
}
