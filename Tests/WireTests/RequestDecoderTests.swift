@testable import Wire
import XCTest

final class RequestDecoderTests: XCTestCase {
    private let decoder = RequestDecoder()

    private func decode(_ json: String) -> Result<IncomingFrame, FrameDecodingError> {
        decoder.decode(Array(json.utf8))
    }

    private func failure(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> FrameDecodingError? {
        guard case .failure(let error) = decode(json) else {
            XCTFail("expected a decoding error for \(json)", file: file, line: line)
            return nil
        }
        return error
    }

    func testSendDecodesEveryField() throws {
        let frame = try decode(#"{"type":"send","id":"r1","room":"algebra","text":"hi","client_msg_id":"c1","reply_to":"m9"}"#).get()
        XCTAssertEqual(frame.id, "r1")
        XCTAssertEqual(frame.request, .send(.init(room: "algebra", text: "hi", clientMsgID: "c1", replyTo: "m9")))
    }

    func testJoinWithRecoveryFields() throws {
        let frame = try decode(#"{"type":"join","room":"r","since":41,"epoch":"e1"}"#).get()
        XCTAssertEqual(frame.request, .join(room: "r", since: 41, epoch: "e1"))
        XCTAssertNil(frame.id)
    }

    func testNotJSONIsReportedWithoutID() {
        XCTAssertEqual(failure("not json")?.message, "frame is not a JSON object")
        XCTAssertEqual(failure("[1,2]")?.message, "frame is not a JSON object")
    }

    func testMissingAndUnknownTypeKeepTheRequestID() {
        XCTAssertEqual(failure(#"{"id":"a"}"#), FrameDecodingError(id: "a", message: "missing field 'type'"))
        XCTAssertEqual(failure(#"{"id":"b","type":"dance"}"#), FrameDecodingError(id: "b", message: "unknown type 'dance'"))
    }

    func testMistypedAndMissingFieldsAreNamed() {
        XCTAssertEqual(failure(#"{"id":"c","type":"join","room":7}"#)?.message, "field 'room' must be a string")
        XCTAssertEqual(failure(#"{"type":"send","room":"r","client_msg_id":"x"}"#)?.message, "missing field 'text'")
        XCTAssertEqual(failure(#"{"type":"join","room":"r","since":-1}"#)?.message, "field 'since' must be a non-negative integer")
        XCTAssertEqual(failure(#"{"type":"react","room":"r","msg_id":"m","emoji":"x","on":"yes"}"#)?.message, "field 'on' must be true or false")
        XCTAssertEqual(failure(#"{"type":"history","room":"r","limit":0}"#)?.message, "field 'limit' must be at least 1")
    }

    func testInvalidIDsAndLimitsAreRejected() {
        XCTAssertEqual(failure(#"{"type":"join","room":"has space"}"#)?.message, "field 'room' is not a valid id")
        // A direct room's id holds both user ids: longer than an id, only with its prefix.
        let direct = "dm:128:" + String(repeating: "a", count: 128) + ":" + String(repeating: "b", count: 128)
        if case .failure(let error) = decode(#"{"type":"join","room":"\#(direct)"}"#) { XCTFail("\(error)") }
        XCTAssertNotNil(failure(#"{"type":"join","room":"\#(direct)x"}"#))
        XCTAssertNotNil(failure(#"{"type":"join","room":"\#(String(repeating: "r", count: 129))"}"#))
        XCTAssertNotNil(failure(#"{"type":"ping","id":"\#(String(repeating: "x", count: 65))"}"#))
        XCTAssertNotNil(failure(#"{"type":"send","room":"r","text":"t","client_msg_id":""}"#))
        XCTAssertNotNil(failure(#"{"type":"react","room":"r","msg_id":"m","emoji":"\#(String(repeating: "a", count: 17))","on":true}"#))
        XCTAssertNotNil(failure(#"{"type":"presence.set","status":"offline"}"#))
    }

    /// Control characters can't be kept as they came (SQLite text ends at a NUL), so they are refused
    /// with a clear error instead of being cut short or matched as another id; layout characters are text.
    func testControlCharactersInMessagesAndClientMessageIDsAreRefused() throws {
        let textRule = "field 'text' must not contain control characters other than tab and line breaks"
        XCTAssertEqual(failure(#"{"type":"send","room":"r","text":"a\u0000b","client_msg_id":"c"}"#)?.message, textRule)
        XCTAssertEqual(failure(#"{"type":"edit","room":"r","msg_id":"m","text":"\u001b[31mred"}"#)?.message, textRule)
        XCTAssertEqual(failure(#"{"type":"send","room":"r","text":"a\u0085b","client_msg_id":"c"}"#)?.message, textRule)
        XCTAssertEqual(
            failure(#"{"type":"send","room":"r","text":"t","client_msg_id":"\u0000"}"#)?.message,
            "field 'client_msg_id' must be 1 to 64 characters, without control characters")
        let layout = try decode(#"{"type":"send","room":"r","text":"one\ttwo\r\nthree\n","client_msg_id":"c"}"#).get()
        XCTAssertEqual(layout.request, .send(.init(room: "r", text: "one\ttwo\r\nthree\n", clientMsgID: "c", replyTo: nil)))
    }

    func testHistoryLimitDefaultsAndIsCapped() throws {
        XCTAssertEqual(try decode(#"{"type":"history","room":"r"}"#).get().request, .history(room: "r", before: nil, limit: 50))
        XCTAssertEqual(try decode(#"{"type":"history","room":"r","limit":1000,"before":9}"#).get().request, .history(room: "r", before: 9, limit: 100))
    }

    func testNullOptionalFieldsCountAsAbsent() throws {
        XCTAssertEqual(try decode(#"{"type":"join","room":"r","since":null}"#).get().request, .join(room: "r", since: nil, epoch: nil))
    }
}
