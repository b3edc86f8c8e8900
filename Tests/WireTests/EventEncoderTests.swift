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
}
