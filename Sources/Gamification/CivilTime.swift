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
        let day = dayNumber(ms: ms, in: zone)
        // 1970-01-01 was a Thursday: weekday 1 = Monday … 7 = Sunday.
        let weekday = Int((day + 3).modulo(7)) + 1
        // The ISO year is the year of this week's Thursday.
        let thursday = day - Int64(weekday) + 4
        let (year, ordinal) = yearAndOrdinal(ofDay: thursday)
        return String(format: "%04d-W%02d", year, (ordinal - 1) / 7 + 1)
    }

    /// Civil year and 1-based day of year for a day number (proleptic Gregorian).
    private static func yearAndOrdinal(ofDay day: Int64) -> (Int, Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let date = Date(timeIntervalSince1970: Double(day) * 86_400)
        let year = calendar.component(.year, from: date)
        let ordinal = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        return (year, ordinal)
    }
}

extension Int64 {
    /// Mathematical modulo (never negative for a positive divisor).
    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
