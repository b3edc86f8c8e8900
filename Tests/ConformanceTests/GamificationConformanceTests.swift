import Configuration
import Foundation
import XCTest

/// PROTOCOL.md § Gamification, through the real server with a real client.
final class GamificationConformanceTests: ConformanceTestCase {
    override class var configure: @Sendable (inout ServerConfig) -> Void {
        { $0.dailyMessagePoints = 3 }
    }

    /// A mentor-created org room the given clients have joined.
    private func room(_ mentor: TestClient, _ others: TestClient...) async throws -> String {
        let room = Fresh.id("g")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        for client in others { try await client.join(room) }
        return room
    }

    private func leaderboard(_ client: TestClient, period: String = "all", room: String? = nil) async throws -> [JSON] {
        var request: [String: Any] = ["type": "subscribe", "topic": "leaderboard", "period": period]
        if let room { request["room"] = room }
        let reply = try await client.require("leaderboard", request)
        XCTAssertEqual(reply["period"]?.string, period)
        return reply["entries"]?.array ?? []
    }

    private func points(_ entries: [JSON], _ user: String) -> Int? {
        entries.first { $0["user"]?.string == user }?["points"]?.int
    }

    func testMessagePointsStopAtTheDailyCap() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam", name: "Sam")
        let room = try await room(mentor, student)
        for index in 0..<5 { try await student.say("answer \(index)", in: room) }
        try await Task.sleep(for: .milliseconds(300))
        let entries = try await leaderboard(mentor)
        XCTAssertEqual(points(entries, "sam"), 3, "daily_message_points is 3: \(entries)")
        XCTAssertEqual(entries.first?["rank"]?.int, 1)
        XCTAssertEqual(entries.first?["name"]?.string, "Sam")
    }

    func testHelpfulReactionAwardsTenAndRemovalTakesThemBack() async throws {
        let mentor = try await user("mentor", "mentor")
        let other = try await user("student2")
        let student = try await user("sam")
        let room = try await room(mentor, student, other)
        let ack = try await student.say("here is my proof", in: room)
        let msgID = try XCTUnwrap(ack["msg_id"]?.string)
        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "helpful", "on": true])
        // Not a mentor, and a repeat by the same mentor: no more points.
        try await other.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "helpful", "on": true])
        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "helpful", "on": true])
        try await Task.sleep(for: .milliseconds(300))
        let awarded = try await leaderboard(other)
        XCTAssertEqual(points(awarded, "sam"), 11)
        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "helpful", "on": false])
        try await Task.sleep(for: .milliseconds(300))
        let board = try await withServerlessPush(other)
        XCTAssertEqual(points(board, "sam"), 1, "removal takes the 10 back: \(board)")
    }

    func testMentorCannotAwardThemselves() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(mentor)
        let ack = try await mentor.say("a tip", in: room)
        let msgID = try XCTUnwrap(ack["msg_id"]?.string)
        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "helpful", "on": true])
        try await Task.sleep(for: .milliseconds(300))
        let board = try await leaderboard(mentor)
        XCTAssertEqual(points(board, "mentor"), 1, "only the message point")
    }

    func testLeaderboardPushesAreThrottledAndCoalesced() async throws {
        let mentor = try await user("mentor", "mentor")
        let a = try await user("a")
        let b = try await user("b")
        let room = try await room(mentor, a, b)
        _ = try await leaderboard(mentor)
        for index in 0..<3 {
            try await a.say("a\(index)", in: room)
            try await b.say("b\(index)", in: room)
        }
        var pushes: [JSON] = []
        let deadline = ContinuousClock.now + .milliseconds(1600)
        while ContinuousClock.now < deadline {
            guard let push = try? await mentor.next(timeout: .milliseconds(200), "leaderboard push", where: { $0.type == "leaderboard" }) else {
                continue
            }
            XCTAssertNil(push["re"], "pushes carry no re")
            pushes.append(push)
        }
        XCTAssertGreaterThanOrEqual(pushes.count, 1)
        XCTAssertLessThanOrEqual(pushes.count, 2, "at most one push a second: \(pushes.count)")
        let last = pushes.last?["entries"]?.array ?? []
        XCTAssertEqual(points(last, "a"), 3)
        XCTAssertEqual(points(last, "b"), 3)
    }

    func testRoomLeaderboardCountsOnlyThatRoom() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam")
        let first = try await room(mentor, student)
        let second = try await room(mentor, student)
        try await student.say("in the first room", in: first)
        try await student.say("in the second room", in: second)
        try await Task.sleep(for: .milliseconds(300))
        let roomBoard = try await leaderboard(mentor, room: first)
        let orgBoard = try await leaderboard(mentor)
        XCTAssertEqual(points(roomBoard, "sam"), 1)
        XCTAssertEqual(points(orgBoard, "sam"), 2)
    }

    func testOtherOrgsAreIsolated() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam")
        let room = try await room(mentor, student)
        try await student.say("hi", in: room)
        try await Task.sleep(for: .milliseconds(300))
        let outsider = try await user("mentor", "mentor", org: Fresh.id("other"))
        let outsiderBoard = try await leaderboard(outsider)
        XCTAssertEqual(outsiderBoard, [])
        try await outsider.expectError("not_found", to: ["type": "subscribe", "topic": "leaderboard", "period": "all", "room": room])
    }

    func testBadSubscriptionsGetClearErrors() async throws {
        let student = try await user("sam")
        let guest = try await user("visitor", "guest")
        try await student.expectError("bad_request", to: ["type": "subscribe", "topic": "weather", "period": "all"])
        try await student.expectError("bad_request", to: ["type": "subscribe", "topic": "leaderboard", "period": "month"])
        try await student.expectError("bad_request", to: ["type": "subscribe", "topic": "leaderboard"])
        try await guest.expectError("forbidden", to: ["type": "subscribe", "topic": "leaderboard", "period": "week"])
        try await student.expectError("forbidden", to: ["type": "subscribe", "topic": "moderation"])
        try await student.require("ok", ["type": "unsubscribe", "topic": "leaderboard", "period": "all"])
    }

    func testAchievementIsAwardedOnceAcrossSessions() async throws {
        let mentor = try await user("mentor", "mentor")
        let phone = try await user("sam")
        let laptop = try await user("sam")
        let room = try await room(mentor, phone, laptop)
        try await phone.say("first!", in: room)
        try await laptop.say("second", in: room)
        for session in [phone, laptop] {
            let award = try await session.next(type: "achievement")
            XCTAssertEqual(award["name"]?.string, "first_message")
            XCTAssertNotNil(award["at"]?.int)
            try await session.expectNoMessage(within: .milliseconds(400)) { $0.type == "achievement" }
        }
    }

    /// Re-subscribing returns the current board (the reply, not a push).
    private func withServerlessPush(_ client: TestClient) async throws -> [JSON] {
        try await leaderboard(client)
    }
}

/// Streaks across simulated days, time zones and DST: a server whose clock the test moves.
final class StreakConformanceTests: XCTestCase {
    private func streaks(start: String, zone: String?, steps: [Double]) async throws -> [(days: Int, best: Int)] {
        let clock = ManualClock(start)
        // The tokens must outlive the simulated days, so the server accepts their 90-day lifetime.
        return try await withServer(clock: clock, { $0.maxTokenLifetimeS = 90 * 86_400 }) { server in
            let org = Fresh.id("streak")
            let token = try await server.minter.mint(sub: "sam", org: org, role: "student", tz: zone, ttlSeconds: 90 * 86_400, now: clock.date)
            let mentor = try await server.connectAuthed(
                token: try await server.minter.mint(sub: "mentor", org: org, role: "mentor", ttlSeconds: 90 * 86_400, now: clock.date), label: "mentor")
            let student = try await server.connectAuthed(token: token, label: "sam")
            let room = Fresh.id("r")
            try await mentor.createRoom(room, visibility: "org")
            try await student.join(room)
            var seen: [(Int, Int)] = []
            for (index, hours) in steps.enumerated() {
                clock.advance(hours: hours)
                try await student.say("day step \(index)", in: room)
                if let push = try? await student.next(timeout: .milliseconds(700), "streak", where: { $0.type == "streak" }) {
                    seen.append((push["days"]?.int ?? -1, push["best"]?.int ?? -1))
                }
            }
            return seen
        }
    }

    func testStreakGrowsOnConsecutiveDaysAndRestartsAfterAGap() async throws {
        let seen = try await streaks(start: "2026-11-02T10:00:00Z", zone: nil, steps: [0, 1, 24, 24, 72])
        XCTAssertEqual(seen.map(\.days), [1, 2, 3, 1], "same-day message pushes nothing; a 3-day gap restarts at 1")
        XCTAssertEqual(seen.map(\.best), [1, 2, 3, 3], "best streak is kept")
    }

    func testDaysAreTheUsersLocalDays() async throws {
        // 23:30 and 00:30 the next day in Tokyo, but the same UTC day.
        let tokyo = try await streaks(start: "2026-11-25T14:30:00Z", zone: "Asia/Tokyo", steps: [0, 1])
        XCTAssertEqual(tokyo.map(\.days), [1, 2])
        let utc = try await streaks(start: "2026-11-25T14:30:00Z", zone: nil, steps: [0, 1])
        XCTAssertEqual(utc.map(\.days), [1])
    }

    func testStreakSurvivesTheDSTChange() async throws {
        // New York falls back on 2026-11-01: 23:30 EDT on Oct 31, then 23:30 EST on Nov 1 (25 hours later).
        let seen = try await streaks(start: "2026-11-01T03:30:00Z", zone: "America/New_York", steps: [0, 25])
        XCTAssertEqual(seen.map(\.days), [1, 2])
    }

    func testThirdDayAwardsStreak3() async throws {
        let clock = ManualClock("2026-11-02T09:00:00Z")
        try await withServer(clock: clock, { $0.maxTokenLifetimeS = 90 * 86_400 }) { server in
            let org = Fresh.id("streak3")
            let mentor = try await server.connectAuthed(
                token: try await server.minter.mint(sub: "mentor", org: org, role: "mentor", ttlSeconds: 90 * 86_400, now: clock.date), label: "mentor")
            let student = try await server.connectAuthed(
                token: try await server.minter.mint(sub: "sam", org: org, role: "student", ttlSeconds: 90 * 86_400, now: clock.date), label: "sam")
            let room = Fresh.id("r")
            try await mentor.createRoom(room, visibility: "org")
            try await student.join(room)
            for day in 0..<3 {
                if day > 0 { clock.advance(hours: 24) }
                try await student.say("day \(day)", in: room)
            }
            let award = try await student.next(timeout: .seconds(2), "streak_3") { frame in
                frame.type == "achievement" && frame["name"]?.string == "streak_3"
            }
            XCTAssertNotNil(award["at"]?.int)
        }
    }
}
