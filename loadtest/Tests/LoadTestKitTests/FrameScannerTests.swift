import XCTest
@testable import LoadTestKit

final class FrameScannerTests: XCTestCase {
    private func scan<T>(_ json: String, _ body: (FrameScanner) -> T) -> T {
        let bytes = Array(json.utf8)
        return bytes.withUnsafeBufferPointer { body(FrameScanner($0.baseAddress!, count: $0.count)) }
    }

    func testMessagePushFields() {
        let push = #"{"type":"message","room":"lt1-g0","msg":{"id":"m1","seq":42,"from":{"id":"u1","name":"u1","role":"student"},"text":"t=123456789n please review","ts":1700000000000,"client_msg_id":"u1-1"}}"#
        scan(push) { frame in
            XCTAssertEqual(frame.frameType(), .message)
            let room = frame.stringRange(after: #""room":""#)
            XCTAssertEqual(room.map { frame.string($0) }, "lt1-g0")
            XCTAssertTrue(room.map { frame.matches($0, Array("lt1-g0".utf8)) } ?? false)
            XCTAssertFalse(room.map { frame.matches($0, Array("lt1-g1".utf8)) } ?? true)
            XCTAssertEqual(frame.integer(after: #""seq":"#), 42)
            XCTAssertEqual(frame.integer(after: #""text":"t="#), 123_456_789)
        }
    }

    func testTypesAreNotConfusedByPrefixes() {
        scan(#"{"type":"read","room":"r","user":"u","seq":3}"#) { XCTAssertEqual($0.frameType(), .read) }
        scan(#"{"type":"ack","re":"s0:99","msg_id":"m","seq":7,"ts":1,"status":"delivered"}"#) { XCTAssertEqual($0.frameType(), .ack) }
        scan(#"{"type":"reaction","room":"r"}"#) { XCTAssertEqual($0.frameType(), .other) }
        scan(#"{"noType":1}"#) { XCTAssertEqual($0.frameType(), .unknown) }
    }

    func testSeqNeedleSkipsLastSeqAndReadSeq() {
        let joined = #"{"type":"joined","re":"c2","room":{"id":"r"},"last_seq":9,"epoch":"e1","presence":[{"user":"u","read_seq":4}],"missed":[{"id":"a","seq":8},{"id":"b","seq":9}],"recovered":true}"#
        scan(joined) { frame in
            XCTAssertEqual(frame.integer(after: #""last_seq":"#), 9)
            let missed = frame.end(of: #""missed":["#) ?? 0
            XCTAssertEqual(frame.integer(after: #""seq":"#), 8)
            XCTAssertEqual(frame.integer(after: #""seq":"#, from: missed), 8)
            XCTAssertNotNil(frame.end(of: #""recovered":true"#))
        }
    }

    func testMissingFieldsAndNegativeNumbers() {
        scan(#"{"a":-12,"b":"x"}"#) { frame in
            XCTAssertEqual(frame.integer(after: #""a":"#), -12)
            XCTAssertNil(frame.integer(after: #""b":"#))
            XCTAssertNil(frame.integer(after: #""zzz":"#))
            XCTAssertNil(frame.stringRange(after: #""c":""#))
        }
        scan("") { XCTAssertNil($0.end(of: "x")) }
    }

    func testRequestFramesCarryHeadroomAndValidJSON() throws {
        let sentNS: UInt64 = 1_234_567_890_123_456
        let frame = RequestFrames.send(room: "r1", roomIndex: 3, sentNS: sentNS, clientMsgID: "u1-1", padding: RequestFrames.padding(textBytes: 100, variant: 2))
        XCTAssertEqual(Array(frame.prefix(RequestFrames.headroom)), [UInt8](repeating: 0, count: RequestFrames.headroom))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(frame.dropFirst(RequestFrames.headroom))) as? [String: Any])
        XCTAssertEqual(json["type"] as? String, "send")
        XCTAssertEqual(json["id"] as? String, "s3:\(sentNS)")
        let text = try XCTUnwrap(json["text"] as? String)
        XCTAssertTrue(text.hasPrefix("t=\(sentNS)n "))
        XCTAssertLessThanOrEqual(abs(text.utf8.count - 100), 10)
        // No character run or repeated word that a spam rule would hold.
        XCTAssertFalse(text.contains("xxxxxxxxxx"))
        let create = RequestFrames.createRoom(id: "c1", room: "g", title: "t", visibility: "org", members: ["u1", "u2"])
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(create.dropFirst(RequestFrames.headroom))))
        let join = RequestFrames.join(id: "c2", room: "g", since: 5, epoch: "e")
        let joinJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(join.dropFirst(RequestFrames.headroom))) as? [String: Any])
        XCTAssertEqual(joinJSON["since"] as? Int, 5)
    }
}
