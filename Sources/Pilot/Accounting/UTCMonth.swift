#if canImport(Glibc)
import Glibc
#endif

/// A calendar month in UTC, the unit APEL summarises by: a job belongs to the month its EndTime
/// falls in, whole, even when it started in the month before (as the server's `SummariseJobs`
/// groups by `YEAR(EndTime), MONTH(EndTime)`).
struct UTCMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year, e.g. 2026.
    var year: Int
    /// The month, 1 to 12.
    var month: Int

    /// Why `YYYY-MM` could not be read.
    struct ParseError: Error, CustomStringConvertible, Equatable {
        /// The text as given.
        var text: String

        var description: String { "invalid month \"\(text)\": expected YYYY-MM, e.g. 2026-10" }
    }

    /// A month from its year and number (1 to 12).
    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Reads `YYYY-MM`.
    init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), year >= 1970, (1...12).contains(month)
        else { throw ParseError(text: text) }
        self.init(year: year, month: month)
    }

    /// The month that holds `epoch` (seconds since 1970-01-01T00:00:00Z).
    init(containing epoch: Int64) {
        let days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400
        let (year, month, _) = Self.civil(fromDays: days)
        self.init(year: year, month: month)
    }

    /// The month that holds the current time.
    static func current() -> UTCMonth { UTCMonth(containing: Int64(time(nil))) }

    /// The first second of the month.
    var start: Int64 { Self.days(year: year, month: month, day: 1) * 86400 }

    /// The month after this one.
    var next: UTCMonth { month == 12 ? UTCMonth(year: year + 1, month: 1) : UTCMonth(year: year, month: month + 1) }

    /// The first second after the month.
    var end: Int64 { next.start }

    /// Whether `epoch` falls in the month.
    func contains(_ epoch: Int64) -> Bool { epoch >= start && epoch < end }

    /// `YYYY-MM`.
    var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }

    static func < (lhs: UTCMonth, rhs: UTCMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    /// Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
