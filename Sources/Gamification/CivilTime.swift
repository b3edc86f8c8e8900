import Foundation

/// Calendar days and ISO weeks as people in a given time zone see them.
struct CivilTime: Sendable {
    /// Days since 1970-01-01 of the local date at `ms` in `zone`: consecutive local days differ by one,
    /// whatever DST or travel did to the clock in between.
    static func dayNumber(ms: Int64, in zone: TimeZone) -> Int64 {
        let seconds = Double(ms) / 1000
        let offset = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)))
        return Int64(((seconds + offset) / 86_400).rounded(.down))
    }

    /// The ISO week (Monday start) of the local date at `ms`, e.g. `2026-W48`.
    static func isoWeek(ms: Int64, in zone: TimeZone) -> String {
        isoWeek(day: dayNumber(ms: ms, in: zone))
    }

    /// The ISO week of a day number (see `dayNumber`).
    static func isoWeek(day: Int64) -> String {
        // 1970-01-01 was a Thursday: weekday 1 = Monday … 7 = Sunday.
        let weekday = Int((day + 3).modulo(7)) + 1
        // The ISO year is the year of this week's Thursday.
        let thursday = day - Int64(weekday) + 4
        let (year, ordinal) = yearAndOrdinal(ofDay: thursday)
        return String(format: "%04d-W%02d", year, (ordinal - 1) / 7 + 1)
    }

    /// Civil year and 1-based day of year for a day number (proleptic Gregorian), by arithmetic
    /// (Howard Hinnant's days-to-civil): this runs per event, where a Calendar would cost microseconds.
    static func yearAndOrdinal(ofDay day: Int64) -> (Int, Int) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYearFromMarch = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYearFromMarch + 2) / 153
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(day - daysBeforeYear(year)) + 1)
    }

    /// Day number of January 1st of `year`.
    private static func daysBeforeYear(_ year: Int64) -> Int64 {
        let y = year - 1
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        // March 1st of `year - 1` plus the 306 days from March to January.
        let dayOfEra = 365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100 + 306
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension Int64 {
    /// Mathematical modulo (never negative for a positive divisor).
    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
