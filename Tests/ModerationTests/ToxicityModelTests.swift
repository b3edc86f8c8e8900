import XCTest
@testable import Moderation

final class ToxicityModelTests: XCTestCase {
    func testReferenceValues() throws {
        let model = try Fixtures.model()
        let reference: [(String, Double)] = [
            ("you are an idiot", 0.999999), ("thanks for the help with algebra", 0.014751), ("go kill yourself", 0.946732),
            ("this bug is killing me", 0.197909), ("", 0.036376),
        ]
        for (text, expected) in reference {
            XCTAssertEqual(model.probability(text), expected, accuracy: 1e-6, text)
        }
    }

    func testPythonTokenizerSemantics() throws {
        let model = try Fixtures.model()
        // Case and punctuation do not matter; single letters and stop words are not tokens.
        XCTAssertEqual(model.probability("YOU, are AN idiot!!"), model.probability("you are an idiot"), accuracy: 1e-12)
        XCTAssertEqual(model.probability("a b c"), model.probability(""), accuracy: 1e-12)
        // A letter with a combining mark splits the word, as Python's \w does not match marks.
        XCTAssertNotEqual(model.probability("idio\u{0301}t"), model.probability("idiot"))
    }

    func testElongationResolvesOnlyInNormalisedWords() throws {
        let model = try Fixtures.model()
        let plain = model.probability("idiot")
        XCTAssertLessThan(model.probability("iiiidiot"), 0.1)
        XCTAssertEqual(model.probability(words: TextNormaliser.normalise("iiiidiot").words, ignoring: []), plain, accuracy: 1e-12)
    }

    func testIgnoredWordsDoNotCount() throws {
        let model = try Fixtures.model()
        let kill = try XCTUnwrap(model.index(of: "kill"))
        let process = try XCTUnwrap(model.index(of: "process"))
        XCTAssertEqual(model.probability(words: TextNormaliser.normalise("kill process").words, ignoring: [kill, process]), model.probability(""), accuracy: 1e-12)
        XCTAssertNil(model.index(of: "the"))  // stop word
    }
}
