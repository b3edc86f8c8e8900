import Foundation
import Outbound
@testable import Wire
import XCTest

final class EventEncoderTests: XCTestCase {
    private func json(_ frame: SharedFrame) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(frame.bytes))
        return try XCTUnwrap(object as? [String: Any])
    }

    func testMessagePushHasTheContractShape() throws {
        let message = ChatMessage(
            id: "m1", seq: 3, from: UserRef(id: "u1", name: "Ada", role: .mentor), text: "hi/there", ts: 1000,
            replyTo: "m0", clientMsgID: "c1")
        let object = try json(EventEncoder.frame(MessagePush(room: "r", msg: message)))
        XCTAssertEqual(object["type"] as? String, "message")
        XCTAssertNil(object["re"], "pushes carry no re")
        let msg = try XCTUnwrap(object["msg"] as? [String: Any])
        XCTAssertEqual(msg["seq"] as? Int, 3)
        XCTAssertEqual(msg["reply_to"] as? String, "m0")
        XCTAssertEqual(msg["client_msg_id"] as? String, "c1")
        XCTAssertEqual(msg["text"] as? String, "hi/there")
        XCTAssertEqual((msg["from"] as? [String: Any])?["role"] as? String, "mentor")
        XCTAssertNil(msg["moderation"])
    }

    func testErrorCarriesRetryAfter() throws {
        let object = try json(EventEncoder.frame(ErrorEvent(re: "x", error: RequestError(.rateLimited, "slow down", retryAfterMS: 250))))
        XCTAssertEqual(object["code"] as? String, "rate_limited")
        XCTAssertEqual(object["retry_after_ms"] as? Int, 250)
        XCTAssertEqual(object["re"] as? String, "x")
    }

    func testFrameHasHeadroomForTheTransport() {
        let frame = SharedFrame(text: "abc")
        XCTAssertEqual(frame.payload - frame.base, SharedFrame.headroom)
        XCTAssertEqual(Array(frame.bytes), Array("abc".utf8))
    }

    func testIdentifierPattern() {
        XCTAssertTrue(Identifier.isValid("user.name_1:a@b-c"))
        XCTAssertFalse(Identifier.isValid(""))
        XCTAssertFalse(Identifier.isValid("a b"))
        XCTAssertFalse(Identifier.isValid("ü"))
        XCTAssertFalse(Identifier.isValid(String(repeating: "a", count: 129)))
    }

    /// `joined` is written by hand for speed: it must be the same JSON as its Codable form.
    func testJoinedWrittenByHandEqualsItsCodableForm() throws {
        let awkward = ["plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "ctrl \u{01}\u{1F}", "slash/ok", "שלום 🎉", ""]
        let room = RoomInfo(
            id: "room/1", kind: .group, title: awkward[1], visibility: .org, members: awkward, createdBy: awkward[5], createdAt: 1_700_000_000_123)
        let presence = awkward.enumerated().map { index, name in
            PresenceEntry(
                user: "u\(index)", name: name, role: Role.allCases[index % 4], status: [.online, .away, .offline][index % 3],
                lastSeen: Int64(index) * 1_000_000_007, readSeq: Int64(index))
        }
        let missed = [
            ChatMessage(id: "m1", seq: 7, from: UserRef(id: "u1", name: awkward[2], role: .student), text: awkward[3], ts: 5, clientMsgID: "c1"),
            ChatMessage(
                id: "m2", seq: 8, from: UserRef(id: "u2", name: "B", role: .mentor), text: nil, ts: 6, replyTo: "m1", clientMsgID: "c2",
                moderation: ModerationNote(action: "masked", reasons: ["pii"]), editedAt: 9, deleted: true),
        ]
        var archived = room
        archived.archivedAt = 1_800_000_000_000
        for (re, missed, recovered, room) in [("j\"1", missed, true, room), (nil, [], false, archived)] as [(String?, [ChatMessage], Bool, RoomInfo)] {
            let joined = Joined(re: re, room: room, lastSeq: 42, epoch: "e\\p", presence: presence, missed: missed, recovered: recovered)
            let byHand = try json(EventEncoder.frame(joined))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let codable = try XCTUnwrap(JSONSerialization.jsonObject(with: encoder.encode(joined)) as? [String: Any])
            XCTAssertEqual(NSDictionary(dictionary: byHand), NSDictionary(dictionary: codable))
            XCTAssertEqual(byHand["re"] == nil, re == nil)
        }
    }
}
