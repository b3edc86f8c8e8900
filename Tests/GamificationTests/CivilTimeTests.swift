import Foundation
@testable import Gamification
import XCTest

final class CivilTimeTests: XCTestCase {
    private func ms(_ iso: String) -> Int64 {
        Int64((ISO8601DateFormatter().date(from: iso)?.timeIntervalSince1970 ?? 0) * 1000)
    }

    private func zone(_ name: String) -> TimeZone {
        TimeZone(identifier: name) ?? .current
    }

    func testISOWeeksAroundYearBoundaries() {
        let utc = zone("UTC")
        XCTAssertEqual(CivilTime.isoWeek(ms: ms("2026-11-25T12:00:00Z"), in: utc), "2026-W48")
        XCTAssertEqual(CivilTime.isoWeek(ms: ms("2021-01-03T12:00:00Z"), in: utc), "2020-W53")
        XCTAssertEqual(CivilTime.isoWeek(ms: ms("2024-12-30T12:00:00Z"), in: utc), "2025-W01")
        XCTAssertEqual(CivilTime.isoWeek(ms: ms("2026-11-23T00:00:00Z"), in: utc), "2026-W48", "Monday starts the week")
        XCTAssertEqual(CivilTime.isoWeek(ms: ms("2026-11-22T23:59:59Z"), in: utc), "2026-W47")
    }

    func testWeekIsTakenInTheOrgZone() {
        // Sunday 23:30 UTC is already Monday in Jerusalem.
        let instant = ms("2026-11-22T23:30:00Z")
        XCTAssertEqual(CivilTime.isoWeek(ms: instant, in: zone("UTC")), "2026-W47")
        XCTAssertEqual(CivilTime.isoWeek(ms: instant, in: zone("Asia/Jerusalem")), "2026-W48")
    }

    func testLocalDaysStayConsecutiveAcrossDST() {
        let newYork = zone("America/New_York")
        // 2026-03-08: clocks spring forward; 2026-11-01: fall back.
        let beforeSpring = CivilTime.dayNumber(ms: ms("2026-03-08T04:30:00Z"), in: newYork)  // Mar 7, 23:30 EST
        let afterSpring = CivilTime.dayNumber(ms: ms("2026-03-09T03:30:00Z"), in: newYork)   // Mar 8, 23:30 EDT
        XCTAssertEqual(afterSpring - beforeSpring, 1)
        let lateOct31 = CivilTime.dayNumber(ms: ms("2026-11-01T03:59:00Z"), in: newYork)     // Oct 31, 23:59 EDT
        let earlyNov1 = CivilTime.dayNumber(ms: ms("2026-11-01T04:01:00Z"), in: newYork)     // Nov 1, 00:01 EDT
        XCTAssertEqual(earlyNov1 - lateOct31, 1)
    }

    func testMidnightIsLocal() {
        let tokyo = zone("Asia/Tokyo")
        let utc = zone("UTC")
        let instant = ms("2026-11-25T16:00:00Z")  // 01:00 on the 26th in Tokyo
        XCTAssertEqual(CivilTime.dayNumber(ms: instant, in: tokyo) - CivilTime.dayNumber(ms: instant, in: utc), 1)
    }
}

final class CivilArithmeticTests: XCTestCase {
    func testYearAndOrdinalMatchTheCalendarAcrossCenturies() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        // From 1600: before 1582 Foundation's Gregorian calendar is Julian, while ours is proleptic Gregorian.
        for day in stride(from: Int64(-135_000), through: 150_000, by: 97) {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400)
            let expected = (calendar.component(.year, from: date), calendar.ordinality(of: .day, in: .year, for: date) ?? 0)
            let actual = CivilTime.yearAndOrdinal(ofDay: day)
            XCTAssertTrue(actual == expected, "day \(day): \(actual) != \(expected)")
        }
    }
}
