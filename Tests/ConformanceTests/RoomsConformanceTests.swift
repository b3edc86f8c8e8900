import Foundation
import XCTest

/// PROTOCOL.md § Rooms.
final class RoomsConformanceTests: ConformanceTestCase {
    private var nowMS: Int { Int(Date().timeIntervalSince1970 * 1000) }

    private func members(_ room: JSON?) -> Set<String> {
        Set(room?["members"]?.array?.compactMap(\.string) ?? [])
    }

    func testRoomCreateReplyShape() async throws {
        let s1 = try await user("s1")
        let s2 = try await user("s2")
        let mentor = try await user("mentor", "mentor")
        let room = Fresh.id("algebra")
        let before = nowMS
        let reply = try await mentor.request([
            "type": "room.create", "id": "create", "room": room, "title": "Algebra", "visibility": "private", "members": ["s1", "s2"],
        ])
        XCTAssertEqual(reply.type, "room")
        XCTAssertEqual(reply["re"]?.string, "create")
        let object = reply["room"]
        XCTAssertEqual(object?["id"]?.string, room)
        XCTAssertEqual(object?["kind"]?.string, "group")
        XCTAssertEqual(object?["title"]?.string, "Algebra")
        XCTAssertEqual(object?["visibility"]?.string, "private")
        XCTAssertTrue(members(object).isSuperset(of: ["s1", "s2"]), "members listed at creation: \(reply)")
        XCTAssertEqual(object?["created_by"]?.string, "mentor")
        let createdAt = object?["created_at"]?.int ?? 0
        XCTAssertTrue(createdAt >= before - 5000 && createdAt <= nowMS + 5000, "created_at is ms since the epoch: \(createdAt)")
        _ = (s1, s2)
    }

    func testDuplicateRoomIdIsConflict() async throws {
        let room = Fresh.id("dup")
        let mentor = try await user("mentor", "mentor")
        let admin = try await user("admin", "admin")
        try await mentor.createRoom(room)
        try await mentor.expectError("conflict", to: ["type": "room.create", "room": room, "title": "again", "visibility": "org", "members": []])
        try await admin.expectError("conflict", to: ["type": "room.create", "room": room, "title": "mine", "visibility": "org", "members": []])
    }

    /// Two users with 128-character ids: their direct room's id is longer than an id, and every
    /// request that names it still works.
    func testDirectRoomsOfUsersWithTheLongestIdsCanBeUsed() async throws {
        let studentID = "s" + String(repeating: "x", count: 127)
        let mentorID = "m" + String(repeating: "y", count: 127)
        let student = try await user(studentID)
        let mentor = try await user(mentorID, "mentor")
        let opened = try await student.require("room", ["type": "direct.open", "user": mentorID])
        let id = try XCTUnwrap(opened["room"]?["id"]?.string)
        XCTAssertEqual(id.count, 264)
        try await student.join(id)
        try await mentor.join(id)
        let ack = try await student.say("hi", in: id)
        XCTAssertEqual(ack["seq"]?.int, 1)
        _ = try await mentor.nextMessage(in: id, seq: 1)
        try await mentor.require("history", ["type": "history", "room": id])
        try await mentor.expectError("bad_request", to: ["type": "join", "room": id + "z"])
    }

    func testDirectOpenIsTheSameDirectRoomFromBothSides() async throws {
        let student = try await user("student")
        let mentor = try await user("mentor", "mentor")
        let fromStudent = try await student.require("room", ["type": "direct.open", "user": "mentor"])
        let fromMentor = try await mentor.require("room", ["type": "direct.open", "user": "student"])
        let id = fromStudent["room"]?["id"]?.string
        XCTAssertNotNil(id)
        XCTAssertEqual(id, fromMentor["room"]?["id"]?.string, "the 1:1 room has one id whoever opens it")
        XCTAssertEqual(fromStudent["room"]?["kind"]?.string, "direct")
        XCTAssertEqual(fromMentor["room"]?["kind"]?.string, "direct")
        XCTAssertEqual(members(fromStudent["room"]), ["student", "mentor"])
        let again = try await student.require("room", ["type": "direct.open", "user": "mentor"])
        XCTAssertEqual(again["room"]?["id"]?.string, id, "opening again returns the same room")

        guard let id else { return }
        try await student.join(id)
        try await mentor.join(id)
        try await student.say("hi mentor", in: id)
        let push = try await mentor.nextMessage(in: id)
        XCTAssertEqual(push["msg"]?["text"]?.string, "hi mentor")
    }

    func testJoinReplyShape() async throws {
        let room = Fresh.id("room")
        let mentor = try await user("mentor", "mentor", name: "Mentor Mo")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        try await mentor.say("one", in: room)
        try await mentor.say("two", in: room)

        let student = try await user("student")
        let joined = try await student.request(["type": "join", "id": "join", "room": room])
        XCTAssertEqual(joined.type, "joined")
        XCTAssertEqual(joined["re"]?.string, "join")
        XCTAssertEqual(joined["room"]?["id"]?.string, room)
        XCTAssertEqual(joined["room"]?["kind"]?.string, "group")
        XCTAssertEqual(joined["last_seq"]?.int, 2)
        XCTAssertFalse(joined["epoch"]?.string?.isEmpty ?? true, "epoch is a string: \(joined)")
        XCTAssertEqual(joined["missed"]?.array?.count, 0, "without since, missed is empty")
        XCTAssertEqual(joined["recovered"]?.bool, true, "without since, recovered is true")

        let presence = joined["presence"]?.array ?? []
        let entry = presence.first { $0["user"]?.string == "mentor" }
        XCTAssertNotNil(entry, "presence lists the room's members: \(joined)")
        XCTAssertEqual(entry?["name"]?.string, "Mentor Mo")
        XCTAssertEqual(entry?["role"]?.string, "mentor")
        XCTAssertEqual(entry?["status"]?.string, "online")
        XCTAssertNotNil(entry?["last_seen"]?.int, "last_seen is a ms timestamp: \(String(describing: entry))")
        XCTAssertNotNil(entry?["read_seq"]?.int, "read_seq is a number: \(String(describing: entry))")
    }

    func testJoinOfUnknownRoomIsNotFound() async throws {
        let admin = try await user("admin", "admin")
        try await admin.expectError("not_found", to: ["type": "join", "room": Fresh.id("nope")])
        try await admin.expectError("not_found", to: ["type": "history", "room": Fresh.id("nope")])
    }

    func testJoiningOrgRoomMakesUserAMember() async throws {
        let room = Fresh.id("open")
        let mentor = try await user("mentor", "mentor")
        try await mentor.createRoom(room, visibility: "org")
        let student = try await user("student")
        let joined = try await student.join(room)
        XCTAssertTrue(members(joined["room"]).contains("student"), "joined's room lists the new member: \(joined)")

        let admin = try await user("admin", "admin")
        let seenByAdmin = try await admin.join(room)
        XCTAssertTrue(members(seenByAdmin["room"]).contains("student"), "\(seenByAdmin)")
        XCTAssertTrue(seenByAdmin["presence"]?.array?.contains { $0["user"]?.string == "student" } ?? false, "\(seenByAdmin)")
    }

    func testLeaveRepliesOkAndStopsPushes() async throws {
        let room = Fresh.id("room")
        let mentor = try await user("mentor", "mentor")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        let student = try await user("student")
        try await student.join(room)
        try await mentor.say("before leave", in: room)
        _ = try await student.nextMessage(in: room)

        let reply = try await student.request(["type": "leave", "id": "leave", "room": room])
        XCTAssertEqual(reply.type, "ok")
        XCTAssertEqual(reply["re"]?.string, "leave")
        try await mentor.say("after leave", in: room)
        try await mentor.send(json: ["type": "typing", "room": room, "on": true])
        await student.expectNoMessage(within: .milliseconds(500), "push after leave") { $0["room"]?.string == room }
    }

    func testLeaveEndsMembershipOfGroupRoom() async throws {
        let room = Fresh.id("room")
        let mentor = try await user("mentor", "mentor")
        try await mentor.createRoom(room, visibility: "org")
        let student = try await user("student")
        try await student.join(room)
        try await student.require("ok", ["type": "leave", "room": room])
        let admin = try await user("admin", "admin")
        let joined = try await admin.join(room)
        XCTAssertFalse(members(joined["room"]).contains("student"), "leave ends membership: \(joined)")
        let sendAfterLeave = try await student.request(["type": "send", "room": room, "text": "x", "client_msg_id": "after-leave"])
        XCTAssertEqual(sendAfterLeave.type, "error", "sending needs a joined room: \(sendAfterLeave)")
    }
}
