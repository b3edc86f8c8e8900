import XCTest
@testable import LoadTestKit

final class SendScheduleTests: XCTestCase {
    func testFirstMessageIsDueAtOnceAndTimesFollowTheRate() {
        var schedule = SendSchedule(startNS: 1_000, rate: 100)
        XCTAssertEqual(schedule.next(at: 1_000), 1_000)
        XCTAssertNil(schedule.next(at: 1_000 + 9_999_999))
        XCTAssertEqual(schedule.next(at: 1_000 + 10_000_000), 1_000 + 10_000_000)
        // Late: everything due comes out at once, each with its own scheduled time.
        let late = 1_000 + 50_000_000
        var times: [UInt64] = []
        while let next = schedule.next(at: UInt64(late)) { times.append(next) }
        XCTAssertEqual(times, [20, 30, 40, 50].map { 1_000 + $0 * 1_000_000 })
        XCTAssertEqual(schedule.issued, 6)
    }

    func testZeroRateSendsNothing() {
        var schedule = SendSchedule(startNS: 0, rate: 0)
        XCTAssertNil(schedule.next(at: 1_000_000_000))
    }
}
