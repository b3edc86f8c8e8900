import XCTest

/// PROTOCOL.md § Tenancy and roles (the role table).
final class RolesConformanceTests: ConformanceTestCase {
    private func createRequest(_ room: String, visibility: String = "org") -> [String: Any] {
        ["type": "room.create", "room": room, "title": "T", "visibility": visibility, "members": []]
    }

    func testOnlyAdminsAndMentorsCreateGroupRooms() async throws {
        let student = try await user("student", "student")
        let guest = try await user("guest", "guest")
        let mentor = try await user("mentor", "mentor")
        let admin = try await user("admin", "admin")
        try await student.expectError("forbidden", to: createRequest(Fresh.id("s")))
        try await guest.expectError("forbidden", to: createRequest(Fresh.id("g")))
        try await mentor.expectReply("room", to: createRequest(Fresh.id("m")))
        try await admin.expectReply("room", to: createRequest(Fresh.id("a")))
    }

    func testStudentOpensDirectRoomsOnlyWithMentorsOrAdmins() async throws {
        let other = try await user("other-student", "student")
        let mentor = try await user("mentor", "mentor")
        let admin = try await user("admin", "admin")
        let student = try await user("student", "student")
        try await student.expectError("forbidden", to: ["type": "direct.open", "user": "other-student"])
        try await student.expectReply("room", to: ["type": "direct.open", "user": "mentor"])
        try await student.expectReply("room", to: ["type": "direct.open", "user": "admin"])
        _ = (other, mentor, admin)
    }

    func testMentorsAndAdminsOpenDirectRoomsWithAnyone() async throws {
        let student = try await user("student", "student")
        let guest = try await user("guest", "guest")
        let otherMentor = try await user("mentor-2", "mentor")
        let mentor = try await user("mentor", "mentor")
        let admin = try await user("admin", "admin")
        for target in ["student", "guest", "mentor-2"] {
            try await mentor.expectReply("room", to: ["type": "direct.open", "user": target])
            try await admin.expectReply("room", to: ["type": "direct.open", "user": target])
        }
        _ = (student, guest, otherMentor)
    }

    func testGuestCannotOpenDirectRooms() async throws {
        let mentor = try await user("mentor", "mentor")
        let guest = try await user("guest", "guest")
        try await guest.expectError("forbidden", to: ["type": "direct.open", "user": "mentor"])
        _ = mentor
    }

    func testGuestJoinsOrgRoomReadOnly() async throws {
        let room = Fresh.id("lobby")
        let mentor = try await user("mentor", "mentor")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        let ack = try await mentor.say("welcome", in: room)
        let msgID = ack["msg_id"]?.string ?? ""

        let guest = try await user("guest", "guest")
        let joined = try await guest.join(room)
        XCTAssertEqual(joined["room"]?["id"]?.string, room)

        try await guest.expectError("forbidden", to: ["type": "send", "room": room, "text": "hi", "client_msg_id": "g1"])
        try await guest.expectError("forbidden", to: ["type": "react", "room": room, "msg_id": msgID, "emoji": "👍", "on": true])
        try await guest.expectError("forbidden", to: ["type": "typing", "room": room, "on": true])
        try await guest.expectError("forbidden", to: ["type": "read", "room": room, "seq": 1])
        try await guest.expectError("forbidden", to: ["type": "edit", "room": room, "msg_id": msgID, "text": "changed"])
        try await guest.expectError("forbidden", to: ["type": "delete", "room": room, "msg_id": msgID])

        // Read-only still means reading: the guest gets the room's pushes.
        try await mentor.say("second", in: room)
        let push = try await guest.nextMessage(in: room)
        XCTAssertEqual(push["msg"]?["text"]?.string, "second")
        await mentor.expectNoMessage(within: .milliseconds(200), "guest activity") { $0.type == "typing" || $0.type == "reaction" || $0.type == "read" }
    }

    func testGuestCannotJoinPrivateRoom() async throws {
        let room = Fresh.id("private")
        let mentor = try await user("mentor", "mentor")
        try await mentor.createRoom(room, visibility: "private")
        let guest = try await user("guest", "guest")
        try await guest.expectError("forbidden", to: ["type": "join", "room": room])
    }

    func testPrivateRoomsAdmitMembersAndAdminsOnly() async throws {
        let room = Fresh.id("private")
        let member = try await user("member", "student")
        let outsider = try await user("outsider", "student")
        let otherMentor = try await user("other-mentor", "mentor")
        let admin = try await user("admin", "admin")
        let mentor = try await user("mentor", "mentor")
        try await mentor.createRoom(room, visibility: "private", members: ["member"])

        try await member.expectReply("joined", to: ["type": "join", "room": room])
        for client in [outsider, otherMentor] {
            let reply = try await client.request(["type": "join", "room": room])
            XCTAssertEqual(reply.type, "error", "\(client.label) is not a member: \(reply)")
            XCTAssertTrue(["forbidden", "not_found"].contains(reply["code"]?.string ?? ""), "\(reply)")
        }
        try await admin.expectReply("joined", to: ["type": "join", "room": room])
    }

    func testEditAndDeleteOfOthersMessagesFollowTheRoleTable() async throws {
        let room = Fresh.id("class")
        let creator = try await user("creator", "mentor")
        try await creator.createRoom(room, visibility: "org")
        try await creator.join(room)
        let author = try await user("author", "student")
        try await author.join(room)
        var ids: [String] = []
        for n in 1...4 { ids.append(try await author.say("message \(n)", in: room)["msg_id"]?.string ?? "") }

        let peer = try await user("peer", "student")
        try await peer.join(room)
        try await peer.expectError("forbidden", to: ["type": "edit", "room": room, "msg_id": ids[0], "text": "peer edit"])
        try await peer.expectError("forbidden", to: ["type": "delete", "room": room, "msg_id": ids[0]])

        let otherMentor = try await user("other-mentor", "mentor")
        try await otherMentor.join(room)
        try await otherMentor.expectError("forbidden", to: ["type": "edit", "room": room, "msg_id": ids[0], "text": "not my room"])
        try await otherMentor.expectError("forbidden", to: ["type": "delete", "room": room, "msg_id": ids[0]])

        try await author.expectReply("ok", to: ["type": "edit", "room": room, "msg_id": ids[0], "text": "own edit"])
        try await creator.expectReply("ok", to: ["type": "edit", "room": room, "msg_id": ids[0], "text": "creator edit"])
        try await creator.expectReply("ok", to: ["type": "delete", "room": room, "msg_id": ids[1]])

        let admin = try await user("admin", "admin")
        try await admin.join(room)
        try await admin.expectReply("ok", to: ["type": "edit", "room": room, "msg_id": ids[2], "text": "admin edit"])
        try await admin.expectReply("ok", to: ["type": "delete", "room": room, "msg_id": ids[2]])
        try await author.expectReply("ok", to: ["type": "delete", "room": room, "msg_id": ids[3]])
    }

    func testMentorCannotModerateInRoomCreatedByAdmin() async throws {
        let room = Fresh.id("admins")
        let admin = try await user("admin", "admin")
        try await admin.createRoom(room, visibility: "org")
        try await admin.join(room)
        let msgID = try await admin.say("admin says", in: room)["msg_id"]?.string ?? ""
        let mentor = try await user("mentor", "mentor")
        try await mentor.join(room)
        try await mentor.expectError("forbidden", to: ["type": "edit", "room": room, "msg_id": msgID, "text": "x"])
        try await mentor.expectError("forbidden", to: ["type": "delete", "room": room, "msg_id": msgID])
    }
}
