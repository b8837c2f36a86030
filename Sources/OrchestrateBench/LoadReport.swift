import Foundation

/// What `wrk --latency` reported of one load: requests, rate, latency percentiles and failed responses.
struct LoadReport: Sendable {
    var requests: Int
    var seconds: Double
    var requestsPerSecond: Double
    /// Latency at 50, 75, 90 and 99 percent, in milliseconds.
    var percentiles: [Int: Double]
    /// Responses that were not 2xx or 3xx, and socket errors (connect, read, write, timeout).
    var failedResponses: Int
    var socketErrors: Int

    /// Reads wrk's report; a report without its totals is an error quoting what wrk said.
    init(wrkOutput output: String) throws {
        func number(after label: String) -> Double? {
            guard let range = output.range(of: label) else { return nil }
            let rest = output[range.upperBound...].drop { $0 == " " }
            return Double(rest.prefix { $0.isNumber || $0 == "." })
        }
        guard let rate = number(after: "Requests/sec:"),
            let totals = output.range(of: #"(\d+) requests in ([\d.]+)(ms|s|m)"#, options: .regularExpression)
        else {
            throw BenchFailure("wrk printed no totals:\n\(output.suffix(2000))")
        }
        let words = output[totals].split(separator: " ")
        requests = Int(words[0]) ?? 0
        let duration = String(words[3])
        seconds = Self.seconds(duration) ?? 0
        requestsPerSecond = rate
        percentiles = [:]
        for percent in [50, 75, 90, 99] {
            let pattern = #"\n\s+"# + "\(percent)" + #"%\s+([\d.]+)(us|ms|s|m)"#
            guard let match = output.range(of: pattern, options: .regularExpression) else { continue }
            let value = output[match].split(whereSeparator: \.isWhitespace).last.map(String.init) ?? ""
            percentiles[percent] = Self.seconds(value).map { $0 * 1000 }
        }
        failedResponses = Int(number(after: "Non-2xx or 3xx responses:") ?? 0)
        socketErrors = 0
        if let line = output.split(separator: "\n").first(where: { $0.contains("Socket errors:") }) {
            socketErrors = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.reduce(0, +)
        }
    }

    /// `12.5ms`, `830.00us`, `1.02s`, `2m` in seconds.
    static func seconds(_ text: String) -> Double? {
        for (unit, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0)] where text.hasSuffix(unit) {
            if let value = Double(text.dropLast(unit.count)) { return value * scale }
        }
        return nil
    }
}

/// A bench that could not measure, with what went wrong.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
