import Configuration
import Foundation
import XCTest

/// Issue 11: no input takes the server down, every field is bounded, every operation has a per-user
/// limit. Each test ends by checking the server still serves.
final class HardeningConformanceTests: ConformanceTestCase {
    override class var configure: @Sendable (inout ServerConfig) -> Void {
        { config in
            config.historyRate = 0.001
            config.historyBurst = 3
            config.maxSessionsPerUser = 2
        }
    }

    private func roomWith(_ mentor: TestClient, _ others: TestClient...) async throws -> String {
        let room = Fresh.id("h")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        for client in others { try await client.join(room) }
        return room
    }

    private func assertStillServes(file: StaticString = #filePath, line: UInt = #line) async throws {
        let probe = try await user(Fresh.id("probe"), "mentor")
        let room = try await roomWith(probe)
        let ack = try await probe.say("still here", in: room)
        XCTAssertEqual(ack["seq"]?.int, 1, "the server still stores and acks", file: file, line: line)
    }

    func testAMuteOfAlmostInt64MaxIsRefusedAndTheServerLives() async throws {
        let token = try await server.minter.mint(sub: "modbot", org: org, role: "mentor", scope: ["moderation"], ttlSeconds: 3600)
        let bot = try await server.connectAuthed(token: token, label: "bot")
        try await bot.require("ok", ["type": "subscribe", "topic": "moderation"])
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam")
        let room = try await roomWith(mentor, student)
        let held = try await student.say("I want to kill myself", in: room)
        let msgID = try XCTUnwrap(held["msg_id"]?.string)
        _ = try await bot.next(type: "moderation.review")
        // Written by hand: JSONSerialization can't produce some of these numbers.
        for (n, duration) in ["9223372036854775000", "9223372036854775807", "1e308", "-5", "31536000001"].enumerated() {
            try await bot.sendRaw(
                #"{"type":"moderate","id":"d\#(n)","room":"\#(room)","msg_id":"\#(msgID)","action":"mute","duration_ms":\#(duration)}"#)
            let error = try await bot.next("reply d\(n)") { $0["re"]?.string == "d\(n)" }
            XCTAssertEqual(error["code"]?.string, "bad_request", "\(duration): \(error)")
            XCTAssertTrue((error["message"]?.string ?? "").contains("duration_ms"), "\(duration): \(error)")
        }
        // The message is still held and a sane mute still works.
        try await bot.require("ok", ["type": "moderate", "room": room, "msg_id": msgID, "action": "mute", "duration_ms": 60_000])
        try await student.expectError("forbidden", to: ["type": "send", "room": room, "text": "hello?", "client_msg_id": "c2"])
        try await assertStillServes()
    }

    func testARefreshThatDropsTheModerationScopeEndsTheModerationSubscription() async throws {
        let token = try await server.minter.mint(sub: "modbot", org: org, role: "mentor", scope: ["moderation"], ttlSeconds: 3600)
        let bot = try await server.connectAuthed(token: token, label: "bot")
        try await bot.require("ok", ["type": "subscribe", "topic": "moderation"])
        let plain = try await server.minter.mint(sub: "modbot", org: org, role: "mentor", ttlSeconds: 3600)
        try await bot.require("ok", ["type": "refresh", "token": plain])
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam")
        let room = try await roomWith(mentor, student)
        let held = try await student.say("I want to kill myself", in: room)
        XCTAssertEqual(held["status"]?.string, "held")
        await bot.expectNoMessage(within: .milliseconds(400)) { $0.type == "moderation.review" }
        try await bot.expectError("forbidden", to: [
            "type": "moderate", "room": room, "msg_id": held["msg_id"]?.string ?? "", "action": "approve",
        ])
    }

    func testATinyConfiguredRateGivesALongRetryInsteadOfATrap() async throws {
        try await withServer({ $0.sendRate = 1e-12; $0.sendBurst = 1 }) { server in
            let mentor = try await server.connectAuthed(user: "m", org: org, role: "mentor")
            let room = Fresh.id("slow")
            try await mentor.createRoom(room, visibility: "org")
            try await mentor.join(room)
            try await mentor.say("the only one", in: room)
            let limited = try await mentor.expectError("rate_limited", to: ["type": "send", "room": room, "text": "again", "client_msg_id": "c2"])
            XCTAssertEqual(limited["retry_after_ms"]?.int, Int(Int32.max))
        }
    }

    func testReplyToMustNameAMessageOfTheSameRoom() async throws {
        let mentor = try await user("mentor", "mentor")
        let first = try await roomWith(mentor)
        let second = try await roomWith(mentor)
        let original = try await mentor.say("question", in: first)
        let msgID = try XCTUnwrap(original["msg_id"]?.string)
        try await mentor.expectError("not_found", to: [
            "type": "send", "room": second, "text": "answer", "client_msg_id": "x1", "reply_to": msgID,
        ])
        try await mentor.expectError("not_found", to: [
            "type": "send", "room": first, "text": "answer", "client_msg_id": "x2", "reply_to": "m-made-up",
        ])
        try await mentor.expectError("bad_request", to: [
            "type": "send", "room": first, "text": "answer", "client_msg_id": "x3", "reply_to": "not an id",
        ])
        let reply = try await mentor.say("answer", in: first, replyTo: msgID)
        XCTAssertEqual(reply["seq"]?.int, 2, "the failed sends took no seq")
    }

    func testRoomTitlesAreBoundedAndPassTheModerator() async throws {
        let mentor = try await user("mentor", "mentor")
        try await mentor.expectError("bad_request", to: [
            "type": "room.create", "room": Fresh.id("t"), "title": String(repeating: "a", count: 201),
        ])
        try await mentor.expectError("bad_request", to: ["type": "room.create", "room": Fresh.id("t"), "title": "bell\u{7}"])
        try await mentor.expectError("message_blocked", to: ["type": "room.create", "room": Fresh.id("t"), "title": "you are an 1d10t"])
        let masked = try await mentor.request(["type": "room.create", "id": "m1", "room": Fresh.id("t"), "title": "mail dana@example.com"])
        XCTAssertEqual(masked.type, "room", "\(masked)")
        XCTAssertFalse((masked["room"]?["title"]?.string ?? "").contains("dana@example.com"), "\(masked)")
    }

    func testOversizedAndMistypedFieldsGetBadRequestNamingTheField() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await roomWith(mentor)
        let cases: [(String, [String: Any])] = [
            ("members", ["type": "room.create", "room": Fresh.id("t"), "members": (0...1000).map { "u\($0)" }]),
            ("epoch", ["type": "join", "room": room, "since": 0, "epoch": String(repeating: "e", count: 65)]),
            ("msg_id", ["type": "edit", "room": room, "msg_id": String(repeating: "m", count: 129), "text": "x"]),
            ("topic", ["type": "subscribe", "topic": String(repeating: "t", count: 65)]),
            ("token", ["type": "refresh", "token": String(repeating: "a", count: 8193)]),
            ("since", ["type": "join", "room": room, "since": -1]),
            ("before", ["type": "history", "room": room, "before": 1.5]),
        ]
        for (field, request) in cases {
            let error = try await mentor.expectError("bad_request", to: request)
            XCTAssertTrue((error["message"]?.string ?? "").contains(field), "\(field): \(error)")
        }
        try await assertStillServes()
    }

    func testAMessageCarriesAtMost50DifferentReactions() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await roomWith(mentor)
        let ack = try await mentor.say("react to me", in: room)
        let msgID = try XCTUnwrap(ack["msg_id"]?.string)
        for n in 0..<50 {
            try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "e\(n)", "on": true])
        }
        try await mentor.expectError("too_large", to: ["type": "react", "room": room, "msg_id": msgID, "emoji": "e50", "on": true])
        // An emoji already there can still be added by someone else, and removed.
        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": msgID, "emoji": "e0", "on": false])
    }

    func testHistoryHasItsOwnPerUserLimit() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = try await roomWith(mentor)
        for _ in 0..<3 { try await mentor.require("history", ["type": "history", "room": room]) }
        let limited = try await mentor.expectError("rate_limited", to: ["type": "history", "room": room])
        XCTAssertGreaterThan(limited["retry_after_ms"]?.int ?? 0, 0, "\(limited)")
        // Other operations are not affected.
        try await mentor.say("sends are a separate bucket", in: room)
    }

    func testOneSessionTooManyForAUserIsClosedWith1008() async throws {
        let first = try await user("busy")
        let second = try await user("busy")
        let token = try await server.minter.mint(sub: "busy", org: org, role: "student", ttlSeconds: 3600)
        let third = try await server.connect(label: "third")
        try await third.send(json: ["type": "auth", "id": "a", "token": token])
        let code = try await third.closeCode()
        XCTAssertEqual(code, 1008)
        await first.close()
        _ = try await server.connectAuthed(user: "busy", org: org, role: "student")
        _ = second
    }
}

/// Inbound flow control: a client that pipelines far more than the server handles at once is slowed
/// by TCP (the server stops reading), and every request is still answered, in order.
final class InboundFlowConformanceTests: ConformanceTestCase {
    func testAPipelinedFloodIsReadAtTheServersPaceAndFullyAnswered() async throws {
        let mentor = try await user("mentor", "mentor")
        let room = Fresh.id("flow")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        try await mentor.say("one message to read back", in: room)
        let pausesBefore = try await metric("rts_read_pauses_total")
        // Each request costs a storage read; its reply is small, so the replies (~400 KB in all) stay
        // within max_outbound_bytes while this client writes everything before reading anything.
        let count = 1500
        for n in 0..<count {
            try await mentor.send(json: ["type": "history", "id": "h\(n)", "room": room, "limit": 1])
        }
        for n in 0..<count {
            let reply = try await mentor.next(timeout: .seconds(30), "history h\(n)") { $0["re"] != nil }
            XCTAssertEqual(reply["re"]?.string, "h\(n)", "replies come in request order")
            XCTAssertEqual(reply.type, "history", "\(reply)")
        }
        let pausesAfter = try await metric("rts_read_pauses_total")
        XCTAssertGreaterThan(pausesAfter, pausesBefore, "the server paused reading at least once")
        try await mentor.say("and the session still works", in: room)
    }

    private func metric(_ name: String) async throws -> Double {
        let text = try await RawHTTP.get(port: server.port, path: "/metrics").body
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }
}
