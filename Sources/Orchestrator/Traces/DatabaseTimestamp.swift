import Foundation
import GRDB

/// A date as the trace database stores it — `yyyy-MM-dd HH:mm:ss.SSS` in UTC, rounded to the millisecond, the
/// text GRDB writes for a `Date` — computed by arithmetic instead of through a `DateFormatter` (which cost about a
/// fiftieth of a message's time on the executor's path).
enum DatabaseTimestamp {
    /// The stored text of a date between the years 1 and 9999.
    static func text(_ date: Date) -> String {
        let milliseconds = self.milliseconds(date)
        let (days, millisecondOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (dayNumber, dayMilliseconds) = millisecondOfDay < 0 ? (days - 1, millisecondOfDay + 86_400_000) : (days, millisecondOfDay)
        let (year, month, day) = civilDate(daysSince1970: dayNumber)
        let seconds = dayMilliseconds / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(dayMilliseconds % 1000, 3))"
    }

    /// Milliseconds since 1970, the precision the store keeps.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.toNearestOrEven))
    }

    /// The date as the store gives it back: rounded to the millisecond.
    static func stored(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    /// The database value of a date.
    static func value(_ date: Date) -> DatabaseValue {
        text(date).databaseValue
    }

    /// The database value of an optional date: NULL for nil.
    static func value(_ date: Date?) -> DatabaseValue {
        date.map(value) ?? .null
    }

    /// Year, month and day of the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
