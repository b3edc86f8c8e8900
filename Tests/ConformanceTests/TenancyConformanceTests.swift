import XCTest

/// PROTOCOL.md § Tenancy and roles (tenant isolation).
final class TenancyConformanceTests: ConformanceTestCase {
    func testSameRoomIdInTwoOrgsAreUnrelated() async throws {
        let orgA = org!
        let orgB = Fresh.id("org")
        let room = Fresh.id("algebra")
        let adminA = try await user("admin", "admin", org: orgA)
        let adminB = try await user("admin", "admin", org: orgB)

        let roomA = try await adminA.createRoom(room, title: "Algebra A", visibility: "org")
        let roomB = try await adminB.createRoom(room, title: "Algebra B", visibility: "org")
        XCTAssertEqual(roomA["title"]?.string, "Algebra A")
        XCTAssertEqual(roomB["title"]?.string, "Algebra B", "the same id in another org is a different room, not a conflict")

        try await adminA.join(room)
        try await adminA.say("only in A", in: room)
        try await adminA.say("still only in A", in: room)

        let joinedB = try await adminB.join(room)
        XCTAssertEqual(joinedB["room"]?["title"]?.string, "Algebra B")
        XCTAssertEqual(joinedB["last_seq"]?.int, 0, "org B's room has no messages: \(joinedB)")
        let historyB = try await adminB.require("history", ["type": "history", "room": room])
        XCTAssertEqual(historyB["messages"]?.array?.count, 0, "\(historyB)")
        let ackB = try await adminB.say("first in B", in: room)
        XCTAssertEqual(ackB["seq"]?.int, 1, "seq is per room, and B's room is its own")
        await adminA.expectNoMessage(within: .milliseconds(300), "push from org B") { $0.type == "message" && $0["msg"]?["text"]?.string == "first in B" }
    }

    func testRoomOfAnotherOrgIsNotFound() async throws {
        let room = Fresh.id("secret")
        let owner = try await user("owner", "admin")
        try await owner.createRoom(room, visibility: "org")
        try await owner.join(room)
        try await owner.say("org-internal", in: room)

        let outsider = try await user("outsider", "admin", org: Fresh.id("org"))
        try await outsider.expectError("not_found", to: ["type": "join", "room": room])
        try await outsider.expectError("not_found", to: ["type": "history", "room": room])
        let send = try await outsider.request(["type": "send", "room": room, "text": "hi", "client_msg_id": "x"])
        XCTAssertEqual(send.type, "error", "send into another org's room: \(send)")
    }

    func testDirectOpenWithUnknownUserIsNotFound() async throws {
        let mentor = try await user("mentor", "mentor")
        try await mentor.expectError("not_found", to: ["type": "direct.open", "user": "never-connected"])
    }

    func testDirectOpenWithUserKnownOnlyInAnotherOrgIsNotFound() async throws {
        let otherOrg = Fresh.id("org")
        let stranger = try await user("stranger", "mentor", org: otherOrg)
        await stranger.close()
        let mentor = try await user("mentor", "mentor")
        try await mentor.expectError("not_found", to: ["type": "direct.open", "user": "stranger"])
    }

    func testPresenceAndPushesDoNotCrossOrgs() async throws {
        let room = Fresh.id("room")
        let a = try await user("same-user", "admin")
        try await a.createRoom(room, visibility: "org")
        try await a.join(room)

        let otherOrg = Fresh.id("org")
        let b = try await user("same-user", "admin", org: otherOrg)
        try await b.createRoom(room, visibility: "org")
        let joinedB = try await b.join(room)
        let presenceUsers = joinedB["presence"]?.array?.compactMap { $0["user"]?.string } ?? []
        XCTAssertTrue(presenceUsers.allSatisfy { $0 == "same-user" }, "\(joinedB)")
        try await b.send(json: ["type": "typing", "room": room, "on": true])
        try await b.say("from B", in: room)
        await a.expectNoMessage(within: .milliseconds(300), "push from the other org") { $0.type == "message" || $0.type == "typing" }
    }
}
