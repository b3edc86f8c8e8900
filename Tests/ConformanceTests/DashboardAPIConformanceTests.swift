import Foundation
import XCTest

/// The token-protected HTTP endpoints: `GET /v1/leaderboard` and `GET /v1/audit`.
final class DashboardAPIConformanceTests: ConformanceTestCase {
    private func get(_ path: String, token: String?) async throws -> (status: Int, body: JSON?) {
        let result = try await RawHTTP.get(port: server.port, path: path, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
        XCTAssertEqual(result.headers["x-content-type-options"], "nosniff")
        return (result.status, JSON.parse(result.body))
    }

    func testLeaderboardOverHTTPShowsTheOrgsPoints() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam", name: "Sam")
        let room = Fresh.id("lb")
        try await mentor.createRoom(room, visibility: "org")
        try await student.join(room)
        try await student.say("an answer", in: room)
        try await Task.sleep(for: .milliseconds(300))
        let token = try await server.token(user: "mentor", org: org, role: "mentor")
        let week = try await get("/v1/leaderboard?period=week", token: token)
        XCTAssertEqual(week.status, 200)
        XCTAssertEqual(week.body?["period"]?.string, "week")
        XCTAssertEqual(week.body?["entries"]?[0]?["user"]?.string, "sam")
        XCTAssertEqual(week.body?["entries"]?[0]?["points"]?.int, 1)
        let inRoom = try await get("/v1/leaderboard?period=all&room=\(room)", token: token)
        XCTAssertEqual(inRoom.body?["entries"]?[0]?["name"]?.string, "Sam")
        let outsider = try await server.token(user: "mentor", org: Fresh.id("other"), role: "mentor")
        let isolated = try await get("/v1/leaderboard?period=week", token: outsider)
        XCTAssertEqual(isolated.body?["entries"]?.array?.count, 0)
        let foreignRoom = try await get("/v1/leaderboard?period=all&room=\(room)", token: outsider)
        XCTAssertEqual(foreignRoom.status, 404)
    }

    func testLeaderboardRefusesBadRequests() async throws {
        let token = try await server.token(user: "sam", org: org, role: "student")
        let guest = try await server.token(user: "visitor", org: org, role: "guest")
        let noToken = try await get("/v1/leaderboard?period=week", token: nil)
        XCTAssertEqual(noToken.status, 401)
        XCTAssertEqual(noToken.body?["code"]?.string, "unauthorized")
        let badToken = try await get("/v1/leaderboard?period=week", token: "not.a.jwt")
        XCTAssertEqual(badToken.status, 401)
        let badPeriod = try await get("/v1/leaderboard?period=month", token: token)
        XCTAssertEqual(badPeriod.status, 400)
        let noPeriod = try await get("/v1/leaderboard", token: token)
        XCTAssertEqual(noPeriod.status, 400)
        let asGuest = try await get("/v1/leaderboard?period=all", token: guest)
        XCTAssertEqual(asGuest.status, 403)
    }

    func testAuditTrailRecordsVerdictsAndActionsForAdminsOnly() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("audit")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        try await student.join(room)
        try await student.expectError("message_blocked", to: ["type": "send", "room": room, "text": "you are an idiot", "client_msg_id": "c1"])
        let masked = try await student.say("reach me at sam@example.com", in: room)
        XCTAssertEqual(masked["status"]?.string, "masked")
        let admin = try await user("boss", "admin")
        try await admin.require("ok", ["type": "ban", "user": "sam"])
        let adminToken = try await server.token(user: "boss", org: org, role: "admin")
        let trail = try await get("/v1/audit?limit=10", token: adminToken)
        XCTAssertEqual(trail.status, 200)
        let records = trail.body?["records"]?.array ?? []
        let actions = records.compactMap { $0["action"]?.string }
        XCTAssertEqual(actions, ["ban", "mask", "block", "member_add", "room_create"], "newest first: \(records)")
        let block = records.first { $0["action"]?.string == "block" }
        XCTAssertEqual(block?["actor"]?.string, "moderator")
        XCTAssertEqual(block?["subject"]?.string, "sam")
        XCTAssertTrue(block?["reasons"]?.array?.contains(.string("insult")) == true)
        XCTAssertNotNil(block?["scores"]?["toxicity"])
        XCTAssertEqual(records.first?["actor"]?.string, "boss")
        let mentorToken = try await server.token(user: "mentor", org: org, role: "mentor")
        let refused = try await get("/v1/audit", token: mentorToken)
        XCTAssertEqual(refused.status, 403)
        let otherOrg = try await server.token(user: "boss", org: Fresh.id("other"), role: "admin")
        let isolated = try await get("/v1/audit", token: otherOrg)
        XCTAssertEqual(isolated.body?["records"]?.array?.count, 0)
    }
}
