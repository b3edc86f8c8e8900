import XCTest
@testable import Moderation

final class TextNormaliserTests: XCTestCase {
    private func words(_ text: String) -> [String] {
        TextNormaliser.normalise(text).words.map(\.text)
    }

    func testCaseFoldingAndCompatibilityForms() {
        XCTAssertEqual(words("You ARE an Idiot"), ["you", "are", "an", "idiot"])
        XCTAssertEqual(words("ｉｄｉｏｔ"), ["idiot"])
        XCTAssertEqual(words("𝐢𝐝𝐢𝐨𝐭"), ["idiot"])
        XCTAssertEqual(words("Straße"), ["strasse"])
    }

    func testZeroWidthAndCombiningMarksVanish() {
        XCTAssertEqual(words("i\u{200B}di\u{200D}ot"), ["idiot"])
        XCTAssertEqual(words("i\u{00AD}diot\u{FEFF}"), ["idiot"])
        XCTAssertEqual(words("ídíót"), ["idiot"])
        XCTAssertEqual(words("i\u{0301}d\u{0308}iot"), ["idiot"])
        XCTAssertEqual(words("מְטוּמְטָם"), ["מטומטמ"])  // niqqud gone, final mem folded
    }

    func testLeetspeakAndLookAlikes() {
        XCTAssertEqual(words("1d10t"), ["idiot"])
        XCTAssertEqual(words("ıd!ot"), ["idiot"])
        XCTAssertEqual(words("іdіоt"), ["idiot"])  // Cyrillic і and о
        XCTAssertEqual(words("idаot"), ["idaot"])  // Cyrillic а
        XCTAssertEqual(words("a$$hole"), ["asshole"])
        XCTAssertEqual(words("sh1t!"), ["shit"])  // the trailing ! is punctuation
    }

    func testNumbersStayNumbers() {
        XCTAssertEqual(words("room 455 at 10:30"), ["room", "455", "at", "10", "30"])
    }

    func testSpacedAndDottedLettersJoin() {
        let spaced = TextNormaliser.normalise("you i d i o t")
        XCTAssertEqual(spaced.words.map(\.text), ["you", "idiot"])
        XCTAssertEqual(spaced.words.map(\.isCollapsed), [false, true])
        XCTAssertEqual(words("i.d.i.o.t"), ["idiot"])
        XCTAssertEqual(words("i-d-1-o-t"), ["idiot"])
        XCTAssertEqual(words("i e"), ["i", "e"])  // two letters are not a spelled-out word
        XCTAssertEqual(words("a, b, c"), ["a", "b", "c"])  // commas are not spacing
    }

    func testRepeatedLettersKeptButSqueezed() {
        let word = TextNormaliser.normalise("iiiidiot").words[0]
        XCTAssertEqual(word.text, "iiiidiot")
        XCTAssertEqual(word.squeezed, "idiot")
        XCTAssertTrue(Elongation.stretches("iiiidiot", "idiot"))
        XCTAssertTrue(Elongation.stretches("kiiilll", "kill"))
        XCTAssertTrue(Elongation.stretches("asss", "ass"))
        XCTAssertFalse(Elongation.stretches("as", "ass"))
        XCTAssertFalse(Elongation.stretches("kil", "kill"))
    }

    func testNormalisedTextJoinsWords() {
        XCTAssertEqual(TextNormaliser.normalise("I'll  KILL... you!").text, "i ll kill you")
    }
}
