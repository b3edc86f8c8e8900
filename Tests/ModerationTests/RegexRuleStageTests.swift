import XCTest
@testable import Moderation

final class RegexRuleStageTests: XCTestCase {
    private func screen(_ text: String, _ rules: [RegexRule]) -> Verdict {
        var screening = Screening(text, context: Fixtures.context)
        RegexRuleStage(rules: rules).screen(&screening)
        return screening.verdict(neverBlock: [])
    }

    func testRuleOnNormalisedText() throws {
        let rule = try RegexRule(name: "t", pattern: #"\bi ll (?:kill|hurt) you\b"#, reason: "threat", action: .block, target: .normalised)
        XCTAssertEqual(screen("I'll KILL you!!", [rule]).reasons, ["threat"])
        XCTAssertEqual(screen("I'll help you", [rule]).action, .allow)
    }

    func testRuleOnOriginalAndSqueezedText() throws {
        let original = try RegexRule(name: "o", pattern: #"\$\d+ a day"#, reason: "spam.scam", action: .hold, target: .original)
        XCTAssertEqual(screen("Earn $500 a day", [original]).action, .hold)
        let squeezed = try RegexRule(name: "s", pattern: #"\bkil you\b"#, reason: "threat", action: .block, target: .squeezed)
        XCTAssertEqual(screen("kiiiill you", [squeezed]).action, .block)
    }

    func testBadPatternIsAnError() {
        XCTAssertThrowsError(try RegexRule(name: "bad", pattern: "(unclosed", reason: "x", action: .block, target: .original))
    }
}
