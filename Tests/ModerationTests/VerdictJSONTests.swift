import XCTest
@testable import Moderation

final class VerdictJSONTests: XCTestCase {
    func testShape() throws {
        let verdict = Verdict(action: .mask, text: "call [phone]", reasons: ["pii.phone"], scores: ["toxicity": 0.25, "a": 1])
        XCTAssertEqual(verdictJSON(verdict), #"{"action":"mask","category":"pii","urgent":false,"text":"call [phone]","reasons":["pii.phone"],"scores":{"toxicity":0.25,"a":1.0}}"#)
    }

    func testEscapingAndOneLine() throws {
        let verdict = Verdict(action: .allow, text: "say \"hi\"\n\\ שלום \u{1}", reasons: [], scores: [:])
        let json = verdictJSON(verdict)
        XCTAssertFalse(json.contains("\n"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["text"] as? String, verdict.text)
        XCTAssertEqual(object["action"] as? String, "allow")
        XCTAssertEqual((object["reasons"] as? [Any])?.count, 0)
        XCTAssertEqual((object["scores"] as? [String: Any])?.count, 0)
    }

    func testPipelineVerdictRoundTrips() throws {
        let verdict = try Fixtures.repositoryPipeline().screen("you idiot, mail me at dana@example.com", context: Fixtures.context)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(verdictJSON(verdict).utf8)) as? [String: Any])
        XCTAssertEqual(object["action"] as? String, "block")
        XCTAssertEqual(object["text"] as? String, "you idiot, mail me at [email]")
        XCTAssertEqual(object["reasons"] as? [String], verdict.reasons)
        let toxicity = try XCTUnwrap((object["scores"] as? [String: Any])?["toxicity"] as? Double)
        XCTAssertEqual(toxicity, verdict.scores["toxicity"] ?? -1, accuracy: 1e-12)
    }
}
