import Foundation

/// Repeated measurements of one figure: the median and the spread, as BENCHMARKS.md reports them.
struct Measurement {
    var values: [Double]

    init(_ values: [Double]) {
        self.values = values.sorted()
    }

    var median: Double {
        guard !values.isEmpty else { return .nan }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }

    /// The value at quantile `q` (0…1), nearest rank.
    func quantile(_ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let rank = Int((q * Double(values.count)).rounded(.up)) - 1
        return values[min(values.count - 1, max(0, rank))]
    }

    /// "median (min–max)" with the given format for each number.
    func summary(_ format: String = "%.3f") -> String {
        guard let low = values.first, let high = values.last else { return "—" }
        return String(format: format, median) + " (" + String(format: format, low) + "–" + String(format: format, high) + ")"
    }

    /// The process's peak resident memory so far, in MiB.
    static var peakResidentMiB: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
