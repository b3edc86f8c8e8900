import XCTest
@testable import Moderation

final class SpamStageTests: XCTestCase {
    private let clock = ManualClock()
    private let log = BoundedHistory<SpamStage.Entry>(entriesPerKey: SpamStage.messagesPerUser)

    private func screen(_ text: String, user: String = "u1", settings: SpamSettings = SpamSettings()) -> Verdict {
        var screening = Screening(text, context: ModerationContext(org: "acme", room: "r", user: user))
        SpamStage(settings: settings, log: log, clock: clock.read).screen(&screening)
        return screening.verdict(neverBlock: [])
    }

    func testTheFifthRepeatWithinTheWindowIsHeld() {
        XCTAssertEqual(screen("join my channel now").action, .allow)
        XCTAssertEqual(screen("Join my channel NOW!").action, .allow)  // same normalised text
        XCTAssertEqual(screen("join my channel now").action, .allow)
        XCTAssertEqual(screen("join my channel now").action, .allow)
        let fifth = screen("join my channel now")
        XCTAssertEqual(fifth.action, .hold)
        XCTAssertEqual(fifth.reasons, ["spam.repeat"])
        XCTAssertEqual(screen("join my channel now", user: "u2").action, .allow)  // per user
    }

    func testRepeatsOutsideTheWindowDoNotCount() {
        for _ in 0..<4 { _ = screen("join my channel now") }
        clock.advance(seconds: 61)
        XCTAssertEqual(screen("join my channel now").action, .allow)
    }

    func testShortMessagesMayRepeat() {
        for _ in 0..<5 { XCTAssertEqual(screen("ok").action, .allow) }
    }

    func testLinkFloods() {
        XCTAssertEqual(screen("see https://a.io and www.b.io").action, .allow)
        XCTAssertEqual(screen("http://a.io http://b.io https://c.io www.d.io").reasons, ["spam.links"])
        XCTAssertEqual(TextShape("HTTPS://A.IO and awww.no").links, 1)
        // Many links over several messages from one user.
        for index in 0..<2 { _ = screen("links https://\(index).io https://x\(index).io https://y\(index).io", user: "linker") }
        XCTAssertEqual(screen("more https://z.io https://w.io https://v.io", user: "linker").reasons, ["spam.links"])
    }

    func testShouting() {
        XCTAssertEqual(screen("WHY IS NOBODY ANSWERING MY QUESTION").reasons, ["spam.caps"])
        XCTAssertEqual(screen("FYI the API is down").action, .allow)
        XCTAssertEqual(screen("THANK YOU").action, .allow)  // short
    }

    func testCharacterAndWordFloods() {
        XCTAssertEqual(screen("!!!!!!!!!!!!").reasons, ["spam.flood"])
        XCTAssertEqual(screen("aaaaaaaaaaaaaa").action, .allow, "a letter run is noise, not a flood")
        XCTAssertEqual(screen("help help help help help help").reasons, ["spam.flood"])
        XCTAssertEqual(screen("Wow!!!").action, .allow)
        XCTAssertEqual(screen("card 1111 1111 1111 1111").action, .allow)  // digits are numbers, not floods
    }

    func testHistoryMemoryIsBounded() {
        let small = BoundedHistory<SpamStage.Entry>(shardCount: 2, maxKeys: 8, entriesPerKey: 4)
        for user in 0..<100 { small.record(.init(textHash: 1, links: 0, time: 0), key: UInt64(user)) { _ in } }
        XCTAssertLessThanOrEqual(small.keyCount, 8)
    }

    func testConfiguredAction() {
        var settings = SpamSettings()
        settings.action = .block
        XCTAssertEqual(screen("!!!!!!!!!!!!", settings: settings).action, .block)
    }
}
