import XCTest
@testable import Moderation

final class PersonalDataStageTests: XCTestCase {
    private func mask(_ text: String) -> Verdict {
        var screening = Screening(text, context: Fixtures.context)
        PersonalDataStage(kinds: Set(PersonalDataKind.allCases)).screen(&screening)
        return screening.verdict(neverBlock: [])
    }

    private func assertMasked(_ text: String, _ expected: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        let verdict = mask(text)
        XCTAssertEqual(verdict.text, expected, file: file, line: line)
        XCTAssertEqual(verdict.action, .mask, file: file, line: line)
        XCTAssertEqual(verdict.reasons, [reason], file: file, line: line)
    }

    func testEmails() {
        assertMasked("mail dana@example.com now", "mail [email] now", "pii.email")
        assertMasked("first.last+tag@sub.example.co.il.", "[email].", "pii.email")
        assertMasked("שלחי ל-noa@gmail.com תודה", "שלחי ל-[email] תודה", "pii.email")
        XCTAssertEqual(mask("shoot me an email when done").action, .allow)
        XCTAssertEqual(mask("meet @ the library").action, .allow)
        XCTAssertEqual(mask("user@localhost").action, .allow)
    }

    func testIsraeliAndInternationalPhones() {
        for phone in ["050-1234567", "052 123 4567", "+972-50-123-4567", "03-1234567", "0501234567", "+972 3 123 4567",
            "+972501234567", "(03) 123-4567", "054.765.4321", "077-1234567", "02-6543210", "+44 20 7946 0958",
            "+1 (555) 123-4567", "555-123-4567", "1-800-123-456", "00972-50-1234567"]
        {
            assertMasked("call \(phone) today", "call [phone] today", "pii.phone")
        }
    }

    func testNumbersThatAreNotPhones() {
        for text in ["the meeting is on 2024-03-15 at 10:30", "version 2.10.3", "pi is 3.14159", "population 1,200,000",
            "order 48213", "ticket 0123456788", "between 2019-2023", "ip 192.168.1.10"]
        {
            XCTAssertEqual(mask(text).action, .allow, text)
        }
    }

    func testCardsNeedLuhn() {
        assertMasked("card 4111 1111 1111 1111 exp 12/27", "card [card] exp 12/27", "pii.card")
        assertMasked("4111-1111-1111-1111", "[card]", "pii.card")
        assertMasked("amex 378282246310005", "amex [card]", "pii.card")
        assertMasked("4222222222222", "[card]", "pii.card")  // 13 digits
        XCTAssertEqual(mask("card 4111 1111 1111 1112").action, .allow)
        XCTAssertFalse(Checksums.luhn([4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]))
    }

    func testIsraeliIDNeedsItsCheckDigit() {
        assertMasked("my ID is 123456782", "my ID is [id]", "pii.il_id")
        XCTAssertEqual(mask("my ID is 123456789").action, .allow)
        XCTAssertTrue(Checksums.israeliID([0, 0, 0, 0, 0, 0, 0, 1, 8]))
        XCTAssertFalse(Checksums.israeliID([0, 0, 0, 0, 0, 0, 0, 0, 0]))
    }

    func testSeveralKindsInOneMessage() {
        let verdict = mask("dana@example.com, 050-1234567, 4111 1111 1111 1111")
        XCTAssertEqual(verdict.text, "[email], [phone], [card]")
        XCTAssertEqual(verdict.reasons, ["pii.email", "pii.phone", "pii.card"])
    }

    func testDisabledKindsStay() {
        var screening = Screening("dana@example.com 050-1234567", context: Fixtures.context)
        PersonalDataStage(kinds: [.phone]).screen(&screening)
        XCTAssertEqual(screening.delivered, "dana@example.com [phone]")
    }
}
