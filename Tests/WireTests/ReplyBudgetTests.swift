import Foundation
import Outbound
@testable import Wire
import XCTest

/// `joined` and `history` replies cut to a byte budget (PROTOCOL.md, Rooms), and the request-id peek
/// that lets a rate-limited frame be answered with `re` without parsing it.
final class ReplyBudgetTests: XCTestCase {
    private func messages(_ count: Int, textBytes: Int = 1000) -> [ChatMessage] {
        (1...count).map { seq in
            ChatMessage(
                id: "m\(seq)", seq: Int64(seq), from: UserRef(id: "u", name: "U", role: .student),
                text: String(repeating: "ש", count: textBytes / 2), ts: 1000, clientMsgID: "c\(seq)")
        }
    }

    private func object(_ frame: SharedFrame) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(frame.bytes)) as? [String: Any])
    }

    private func joined(_ missed: [ChatMessage], recovered: Bool = true) -> Joined {
        Joined(
            re: "j", room: RoomInfo(id: "r", kind: .group, title: "R", visibility: .org, members: ["u"], createdBy: "u", createdAt: 1),
            lastSeq: Int64(missed.count), epoch: "e1", presence: [], missed: missed, recovered: recovered)
    }

    func testJoinedKeepsTheNewestMessagesThatFitAndSaysNotRecovered() throws {
        let frame = EventEncoder.frame(joined(messages(300)), byteBudget: 50_000)
        XCTAssertLessThanOrEqual(frame.count, 50_000)
        let object = try object(frame)
        let missed = try XCTUnwrap(object["missed"] as? [[String: Any]])
        XCTAssertGreaterThan(missed.count, 40, "as many as fit")
        XCTAssertEqual(missed.last?["seq"] as? Int, 300, "the newest are kept")
        XCTAssertEqual(missed.map { $0["seq"] as? Int ?? 0 }, Array((301 - missed.count)...300), "contiguous and ascending")
        XCTAssertEqual(object["recovered"] as? Bool, false)
    }

    func testJoinedThatFitsIsTheSameAsUnbounded() throws {
        let bounded = EventEncoder.frame(joined(messages(5)), byteBudget: 1 << 20)
        let unbounded = EventEncoder.frame(joined(messages(5)))
        XCTAssertEqual(try object(bounded) as NSDictionary, try object(unbounded) as NSDictionary)
        XCTAssertEqual(try object(bounded)["recovered"] as? Bool, true)
    }

    func testHistoryIsCutWithHasMoreAndAlwaysCarriesOneMessage() throws {
        let page = HistoryReply(re: "h", room: "r", messages: messages(100), hasMore: false)
        let cut = try object(EventEncoder.frame(page, byteBudget: 20_000))
        XCTAssertEqual(cut["has_more"] as? Bool, true)
        let kept = try XCTUnwrap(cut["messages"] as? [[String: Any]])
        XCTAssertEqual(kept.last?["seq"] as? Int, 100)
        XCTAssertLessThan(kept.count, 100)

        let tiny = try object(EventEncoder.frame(page, byteBudget: 10))
        XCTAssertEqual((tiny["messages"] as? [[String: Any]])?.count, 1, "paging always moves on")

        let whole = try object(EventEncoder.frame(page, byteBudget: 1 << 20))
        XCTAssertEqual(whole["has_more"] as? Bool, false)
        XCTAssertEqual((whole["messages"] as? [[String: Any]])?.count, 100)
        XCTAssertEqual(whole["re"] as? String, "h")
    }

    func testRequestIDPeek() {
        func peek(_ text: String) -> String? { RequestIDPeek.id(in: Array(text.utf8)) }
        XCTAssertEqual(peek(#"{"type":"ping","id":"a1"}"#), "a1")
        XCTAssertEqual(peek(#" { "id" : "first" , "type":"x"}"#), "first")
        XCTAssertEqual(peek(#"{"room":{"id":"nested"},"text":"say \"id\":\"no\"","arr":[1,{"id":2}],"id":"top"}"#), "top")
        XCTAssertEqual(peek(#"{"n":12.5e3,"b":true,"z":null,"id":"after-scalars"}"#), "after-scalars")
        XCTAssertNil(peek(#"{"type":"ping"}"#))
        XCTAssertNil(peek(#"{"id":7}"#))
        XCTAssertNil(peek(#"{"id":"esc\"aped"}"#))
        XCTAssertNil(peek(#"{"id":"\#(String(repeating: "x", count: 65))"}"#))
        XCTAssertNil(peek("not json"))
        XCTAssertNil(peek(#"{"id""#))
        XCTAssertNil(peek(""))
    }
}
