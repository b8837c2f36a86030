import Foundation

/// How stored runs and statistics read as table cells, the same in `orchestrate traces` and in the web viewer.
public enum TraceCells {
    /// `2026-11-22 10:04:05`, UTC: the store's own text of the date (`DatabaseTimestamp`) to the second, with no
    /// date formatter made for each row of a listing.
    public static func moment(_ date: Date) -> String {
        String(DatabaseTimestamp.text(date).prefix(19))
    }

    /// A latency in milliseconds to a tenth, or a dash.
    public static func milliseconds(_ value: Double?) -> String {
        value.map { String(format: "%.1f", $0) } ?? "—"
    }

    /// A cost in USD to a millionth.
    public static func cost(_ value: Double) -> String {
        String(format: "%.6f", value)
    }

    /// A score to a hundredth, or a dash.
    public static func score(_ value: Double?) -> String {
        value.map { String(format: "%.2f", $0) } ?? "—"
    }

    /// A run's wall time in seconds to a hundredth, or a dash.
    public static func wallSeconds(_ run: RunRecord) -> String {
        run.latencyMilliseconds.map { String(format: "%.2f", $0 / 1000) } ?? "—"
    }

    /// A statistics row's accuracy, `47.4% of 38`, or a dash.
    public static func accuracy(_ row: TraceStatistics.Row) -> String {
        row.accuracy.map { String(format: "%.1f%% of %d", $0 * 100, row.scored) } ?? "—"
    }
}
