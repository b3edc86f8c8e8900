import Foundation
import XCTest

/// PROTOCOL.md § Messages.
final class MessagesConformanceTests: ConformanceTestCase {
    private var nowMS: Int { Int(Date().timeIntervalSince1970 * 1000) }

    /// A mentor-created org room with the given clients joined.
    private func room(with clients: [TestClient], creator: TestClient) async throws -> String {
        let room = Fresh.id("room")
        try await creator.createRoom(room, visibility: "org")
        for client in clients { try await client.join(room) }
        return room
    }

    func testSendAcksAndPushesToEveryJoinedSessionIncludingSender() async throws {
        let mentor = try await user("mentor", "mentor", name: "Mo")
        let mentorSecondSession = try await user("mentor", "mentor", name: "Mo")
        let student = try await user("student", "student", name: "Stu")
        let room = try await room(with: [mentor, mentorSecondSession, student], creator: mentor)
        let first = try await student.say("question?", in: room)
        let firstID = first["msg_id"]?.string ?? ""
        for client in [mentor, mentorSecondSession, student] { _ = try await client.nextMessage(in: room) }

        let before = nowMS
        let ack = try await mentor.request([
            "type": "send", "id": "s1", "room": room, "text": "answer", "client_msg_id": "cm-1", "reply_to": firstID,
        ])
        XCTAssertEqual(ack.type, "ack")
        XCTAssertEqual(ack["re"]?.string, "s1")
        XCTAssertFalse(ack["msg_id"]?.string?.isEmpty ?? true, "\(ack)")
        XCTAssertEqual(ack["seq"]?.int, 2)
        XCTAssertEqual(ack["status"]?.string, "delivered")
        let ts = ack["ts"]?.int ?? 0
        XCTAssertTrue(ts >= before - 5000 && ts <= nowMS + 5000, "ts is ms since the epoch: \(ack)")

        for client in [mentor, mentorSecondSession, student] {
            let push = try await client.nextMessage(in: room)
            let msg = push["msg"]
            XCTAssertEqual(msg?["id"]?.string, ack["msg_id"]?.string, "\(client.label): \(push)")
            XCTAssertEqual(msg?["seq"]?.int, 2)
            XCTAssertEqual(msg?["from"]?["id"]?.string, "mentor")
            XCTAssertEqual(msg?["from"]?["name"]?.string, "Mo")
            XCTAssertEqual(msg?["from"]?["role"]?.string, "mentor")
            XCTAssertEqual(msg?["text"]?.string, "answer")
            XCTAssertEqual(msg?["ts"]?.int, ts)
            XCTAssertEqual(msg?["client_msg_id"]?.string, "cm-1")
            XCTAssertEqual(msg?["reply_to"]?.string, firstID)
        }
    }

    func testSeqStartsAtOneAndIsGapFreePerRoom() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("student")
        let roomA = try await room(with: [mentor, student], creator: mentor)
        let roomB = try await room(with: [mentor], creator: mentor)
        var seqs: [Int] = []
        for n in 0..<6 {
            let sender = n.isMultiple(of: 2) ? mentor : student
            seqs.append(try await sender.say("m\(n)", in: roomA)["seq"]?.int ?? -1)
        }
        XCTAssertEqual(seqs, [1, 2, 3, 4, 5, 6])
        let otherRoom = try await mentor.say("other room", in: roomB)
        XCTAssertEqual(otherRoom["seq"]?.int, 1, "seq is per room")
        var pushed: [Int] = []
        for _ in 0..<6 { pushed.append(try await student.nextMessage(in: roomA).seq ?? -1) }
        XCTAssertEqual(pushed, [1, 2, 3, 4, 5, 6], "pushes arrive in seq order")
    }

    func testBackToBackSendsAreAcknowledgedInOrderAndOtherRepliesWaitForThem() async throws {
        // Sends are pipelined (a session does not wait for one commit before reading the next send),
        // yet replies keep the order of requests: acks in order, across rooms too, then the pong.
        let mentor = try await user("mentor", "mentor", name: "Mo")
        let first = try await room(with: [mentor], creator: mentor)
        let second = try await room(with: [mentor], creator: mentor)
        var ids: [String] = []
        for n in 0..<12 {
            let id = "p\(n)"
            ids.append(id)
            let room = n < 8 ? first : second
            try await mentor.send(json: ["type": "send", "id": id, "room": room, "text": "pipelined \(n)", "client_msg_id": id])
        }
        try await mentor.send(json: ["type": "send", "id": "blank", "room": first, "text": "  ", "client_msg_id": "blank"])
        try await mentor.send(json: ["type": "ping", "id": "after"])
        var replies: [JSON] = []
        for _ in 0..<14 {
            replies.append(try await mentor.next(timeout: .seconds(10), "a reply") { $0["re"]?.string != nil })
        }
        XCTAssertEqual(replies.compactMap { $0["re"]?.string }, ids + ["blank", "after"])
        XCTAssertEqual(replies.prefix(12).compactMap { $0["seq"]?.int }, Array(1...8) + Array(1...4))
        XCTAssertEqual(replies[12]["code"]?.string, "bad_request", "\(replies[12])")
        XCTAssertEqual(replies[13].type, "pong")
    }

    func testTextIsTrimmed() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        try await mentor.say("  \n hello there \t ", in: room)
        let push = try await mentor.nextMessage(in: room)
        XCTAssertEqual(push["msg"]?["text"]?.string, "hello there")
    }

    func testBlankTextIsBadRequest() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        for text in ["", "   ", " \n\t "] {
            try await mentor.expectError("bad_request", to: ["type": "send", "room": room, "text": text, "client_msg_id": UUID().uuidString])
        }
        await mentor.expectNoMessage(within: .milliseconds(200), "message push") { $0.type == "message" }
    }

    func testTextLimitCountsUnicodeCodePoints() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        let max = server.config.maxText
        // Accepted: exactly max_text code points, however many bytes or UTF-16 units they take.
        for (what, text) in [
            ("ASCII", String(repeating: "a", count: max)),
            ("2-byte", String(repeating: "é", count: max)),
            ("4-byte", String(repeating: "😀", count: max)),
            ("padded", "   " + String(repeating: "a", count: max) + "  "),
        ] {
            let reply = try await mentor.request(["type": "send", "room": room, "text": text, "client_msg_id": UUID().uuidString])
            XCTAssertEqual(reply.type, "ack", "\(what) text of \(max) code points must be accepted: \(reply)")
        }
        // Refused: one code point more. "e\u{301}" is one Character but two code points.
        for (what, text) in [
            ("ASCII", String(repeating: "a", count: max + 1)),
            ("2-byte", String(repeating: "é", count: max + 1)),
            ("combining", String(repeating: "e\u{301}", count: max / 2 + 1)),
        ] {
            try await mentor.expectError("too_large", to: ["type": "send", "room": room, "text": text, "client_msg_id": UUID().uuidString])
            _ = what
        }
    }

    func testSendToUnjoinedRoomIsRefused() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [], creator: mentor)
        let reply = try await mentor.request(["type": "send", "room": room, "text": "not joined", "client_msg_id": "c"])
        XCTAssertEqual(reply.type, "error", "send must be joined: \(reply)")
    }

    func testClientMsgIdMakesSendIdempotent() async throws {
        let mentor = try await user("mentor", "mentor")
        let observer = try await user("observer")
        let room = try await room(with: [mentor, observer], creator: mentor)
        let first = try await mentor.say("once", in: room, clientMsgID: "same-id")
        let again = try await mentor.say("once", in: room, clientMsgID: "same-id")
        XCTAssertEqual(again["msg_id"]?.string, first["msg_id"]?.string, "the original ack again")
        XCTAssertEqual(again["seq"]?.int, first["seq"]?.int)
        XCTAssertEqual(again["ts"]?.int, first["ts"]?.int)
        _ = try await observer.nextMessage(in: room)
        await observer.expectNoMessage(within: .milliseconds(400), "second message push") { $0.type == "message" }
        let next = try await mentor.say("next", in: room)
        XCTAssertEqual(next["seq"]?.int, (first["seq"]?.int ?? 0) + 1, "the repeat took no seq")
        let history = try await mentor.require("history", ["type": "history", "room": room])
        XCTAssertEqual(history["messages"]?.array?.count, 2, "\(history)")
    }

    func testClientMsgIdIsScopedPerUser() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("student")
        let room = try await room(with: [mentor, student], creator: mentor)
        let a = try await mentor.say("from mentor", in: room, clientMsgID: "shared")
        let b = try await student.say("from student", in: room, clientMsgID: "shared")
        XCTAssertNotEqual(a["msg_id"]?.string, b["msg_id"]?.string, "idempotency is per user")
    }

    func testEditRepliesOkAndPushesEdited() async throws {
        let student = try await user("student")
        let observer = try await user("observer", "mentor")
        let room = try await room(with: [student, observer], creator: observer)
        let msgID = try await student.say("teh typo", in: room)["msg_id"]?.string ?? ""
        let before = nowMS
        let reply = try await student.request(["type": "edit", "id": "e1", "room": room, "msg_id": msgID, "text": "the typo"])
        XCTAssertEqual(reply.type, "ok")
        XCTAssertEqual(reply["re"]?.string, "e1")
        let edited = try await observer.nextPush("message.edited", in: room)
        XCTAssertEqual(edited["msg_id"]?.string, msgID)
        XCTAssertEqual(edited["text"]?.string, "the typo")
        XCTAssertEqual(edited["by"]?.string, "student")
        XCTAssertTrue((edited["edited_at"]?.int ?? 0) >= before - 5000, "\(edited)")
        let history = try await observer.require("history", ["type": "history", "room": room])
        XCTAssertEqual(history["messages"]?[0]?["text"]?.string, "the typo")
    }

    func testEditWithBlankTextIsBadRequest() async throws {
        let student = try await user("student")
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [student], creator: mentor)
        let msgID = try await student.say("text", in: room)["msg_id"]?.string ?? ""
        try await student.expectError("bad_request", to: ["type": "edit", "room": room, "msg_id": msgID, "text": "  "])
    }

    func testDeleteRepliesOkPushesDeletedAndHistoryHidesText() async throws {
        let student = try await user("student")
        let observer = try await user("observer", "mentor")
        let room = try await room(with: [student, observer], creator: observer)
        let msgID = try await student.say("regrettable", in: room)["msg_id"]?.string ?? ""
        try await student.say("fine", in: room)
        let reply = try await student.request(["type": "delete", "id": "d1", "room": room, "msg_id": msgID])
        XCTAssertEqual(reply.type, "ok")
        XCTAssertEqual(reply["re"]?.string, "d1")
        let deleted = try await observer.nextPush("message.deleted", in: room)
        XCTAssertEqual(deleted["msg_id"]?.string, msgID)
        XCTAssertEqual(deleted["by"]?.string, "student")

        let history = try await observer.require("history", ["type": "history", "room": room])
        let messages = history["messages"]?.array ?? []
        let entry = messages.first { $0["id"]?.string == msgID }
        XCTAssertNotNil(entry, "the deleted message stays in history, marked: \(history)")
        XCTAssertEqual(entry?["deleted"]?.bool, true)
        XCTAssertTrue(entry?["text"]?.isNull ?? true, "no text for a deleted message: \(String(describing: entry))")
        XCTAssertEqual(messages.map(\.seq), [1, 2])
    }

    func testEditOrDeleteOfUnknownMessageIsNotFound() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        try await mentor.expectError("not_found", to: ["type": "edit", "room": room, "msg_id": "m-nope", "text": "x"])
        try await mentor.expectError("not_found", to: ["type": "delete", "room": room, "msg_id": "m-nope"])
    }

    func testReactOnAndOffPushesReactionWithCount() async throws {
        let author = try await user("author")
        let fan = try await user("fan")
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [author, fan, mentor], creator: mentor)
        let msgID = try await author.say("react to me", in: room)["msg_id"]?.string ?? ""

        let reply = try await fan.request(["type": "react", "id": "x1", "room": room, "msg_id": msgID, "emoji": "👍", "on": true])
        XCTAssertEqual(reply.type, "ok")
        XCTAssertEqual(reply["re"]?.string, "x1")
        var push = try await author.nextPush("reaction", in: room)
        XCTAssertEqual(push["msg_id"]?.string, msgID)
        XCTAssertEqual(push["emoji"]?.string, "👍")
        XCTAssertEqual(push["user"]?.string, "fan")
        XCTAssertEqual(push["on"]?.bool, true)
        XCTAssertEqual(push["count"]?.int, 1)

        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "👍", "on": true])
        push = try await author.nextPush("reaction", in: room)
        XCTAssertEqual(push["user"]?.string, "mentor")
        XCTAssertEqual(push["count"]?.int, 2)

        try await fan.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "👍", "on": false])
        push = try await author.nextPush("reaction", in: room)
        XCTAssertEqual(push["user"]?.string, "fan")
        XCTAssertEqual(push["on"]?.bool, false)
        XCTAssertEqual(push["count"]?.int, 1)
    }

    func testReactionEmojiOver16CharactersIsBadRequest() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        let msgID = try await mentor.say("x", in: room)["msg_id"]?.string ?? ""
        try await mentor.expectError("bad_request", to: [
            "type": "react", "room": room, "msg_id": msgID, "emoji": String(repeating: "a", count: 17), "on": true,
        ])
    }

    func testReadPushesReadAndIsShownAsReadSeqInPresence() async throws {
        let reader = try await user("reader")
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [reader, mentor], creator: mentor)
        for n in 1...3 { try await mentor.say("m\(n)", in: room) }
        try await reader.send(json: ["type": "read", "room": room, "seq": 2])
        let read = try await mentor.nextPush("read", in: room)
        XCTAssertEqual(read["user"]?.string, "reader")
        XCTAssertEqual(read["seq"]?.int, 2)

        let later = try await user("later", "admin")
        let joined = try await later.join(room)
        let entry = joined["presence"]?.array?.first { $0["user"]?.string == "reader" }
        XCTAssertEqual(entry?["read_seq"]?.int, 2, "the member's highest read seq: \(joined)")

        // The highest read seq is kept: reading an older seq does not lower it.
        try await reader.send(json: ["type": "read", "room": room, "seq": 1])
        try await Task.sleep(for: .milliseconds(200))
        let again = try await user("again", "admin")
        let rejoined = try await again.join(room)
        let entry2 = rejoined["presence"]?.array?.first { $0["user"]?.string == "reader" }
        XCTAssertEqual(entry2?["read_seq"]?.int, 2, "\(rejoined)")
    }

    func testHistoryPagesBackwardsInAscendingOrder() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        for n in 1...5 { try await mentor.say("m\(n)", in: room) }

        let all = try await mentor.request(["type": "history", "id": "h0", "room": room])
        XCTAssertEqual(all.type, "history")
        XCTAssertEqual(all["re"]?.string, "h0")
        XCTAssertEqual(all["room"]?.string, room)
        XCTAssertEqual(all["messages"]?.array?.map(\.seq), [1, 2, 3, 4, 5])
        XCTAssertEqual(all["has_more"]?.bool, false)
        let first = all["messages"]?[0]
        XCTAssertEqual(first?["text"]?.string, "m1")
        XCTAssertEqual(first?["from"]?["id"]?.string, "mentor")
        XCTAssertNotNil(first?["id"]?.string)
        XCTAssertNotNil(first?["ts"]?.int)

        let latest = try await mentor.require("history", ["type": "history", "room": room, "limit": 2])
        XCTAssertEqual(latest["messages"]?.array?.map(\.seq), [4, 5])
        XCTAssertEqual(latest["has_more"]?.bool, true)
        let middle = try await mentor.require("history", ["type": "history", "room": room, "before": 4, "limit": 2])
        XCTAssertEqual(middle["messages"]?.array?.map(\.seq), [2, 3])
        XCTAssertEqual(middle["has_more"]?.bool, true)
        let oldest = try await mentor.require("history", ["type": "history", "room": room, "before": 2, "limit": 2])
        XCTAssertEqual(oldest["messages"]?.array?.map(\.seq), [1])
        XCTAssertEqual(oldest["has_more"]?.bool, false)
    }

    func testHistoryLimitDefaultsTo50AndIsAtMost100() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        for n in 1...120 { try await mentor.say("m\(n)", in: room) }

        let byDefault = try await mentor.require("history", ["type": "history", "room": room])
        XCTAssertEqual(byDefault["messages"]?.array?.map(\.seq), Array(71...120))
        XCTAssertEqual(byDefault["has_more"]?.bool, true)
        let hundred = try await mentor.require("history", ["type": "history", "room": room, "limit": 100])
        XCTAssertEqual(hundred["messages"]?.array?.map(\.seq), Array(21...120))
        XCTAssertEqual(hundred["has_more"]?.bool, true)
        let tooMany = try await mentor.request(["type": "history", "room": room, "limit": 500])
        if tooMany.type == "error" {
            XCTAssertEqual(tooMany["code"]?.string, "bad_request")
        } else {
            XCTAssertEqual(tooMany.type, "history")
            XCTAssertLessThanOrEqual(tooMany["messages"]?.array?.count ?? 0, 100, "limit is at most 100")
        }
    }

    func testClientMsgIdOver64CharactersIsBadRequest() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        try await mentor.expectError("bad_request", to: [
            "type": "send", "room": room, "text": "x", "client_msg_id": String(repeating: "c", count: 65),
        ])
    }

    /// A store ends text at a NUL: rather than keep a message cut short, or two client_msg_ids as
    /// one, such input is refused. Line breaks and tabs are text, stored and read back unchanged.
    func testControlCharactersAreRefusedAndLayoutRoundTripsThroughHistory() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await room(with: [mentor], creator: mentor)
        let error = try await mentor.expectError("bad_request", to: ["type": "send", "room": room, "text": "on\u{0}e", "client_msg_id": "c1"])
        XCTAssertEqual(error["message"]?.string, "field 'text' must not contain control characters other than tab and line breaks")
        try await mentor.expectError("bad_request", to: ["type": "send", "room": room, "text": "one", "client_msg_id": "\u{0}"])
        try await mentor.expectError("bad_request", to: ["type": "send", "room": room, "text": "\u{1B}[2J", "client_msg_id": "c2"])

        let text = "line one\n\tindented\r\nlast"
        let ack = try await mentor.request(["type": "send", "room": room, "text": text, "client_msg_id": "c3"])
        XCTAssertEqual(ack["seq"]?.int, 1)
        let history = try await mentor.request(["type": "history", "room": room])
        XCTAssertEqual(history["messages"]?.array?.map { $0["text"]?.string }, [text])
        XCTAssertEqual(history["messages"]?[0]?["client_msg_id"]?.string, "c3")
    }
}
