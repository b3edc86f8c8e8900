import XCTest
@testable import Moderation

final class SignalStageTests: XCTestCase {
    private let clock = ManualClock()
    private let history = BoundedHistory<SignalStage.Entry>(entriesPerKey: SignalStage.entriesPerConversation)
    private let lists: WordListStage = {
        let weak = Signal(name: "age", category: "sexual_minor_risk", weight: 0.5)
        let school = Signal(name: "school", category: "sexual_minor_risk", weight: 0.5)
        let strong = Signal(name: "photo", category: "sexual_minor_risk", weight: 2)
        let terms = [
            try! ListedTerm("how old are you", kind: .signal(weak)),
            try! ListedTerm("what is|s your age", kind: .signal(weak)),
            try! ListedTerm("what school", kind: .signal(school)),
            try! ListedTerm("send ~2 pic*", kind: .signal(strong)),
            try! ListedTerm("send ~2 pic* of your homework", kind: .exception),
        ]
        return WordListStage(matcher: TermMatcher(terms: terms))
    }()

    private func screen(_ text: String, from user: String = "mentor1", role: String = "mentor", to audience: ModerationContext.Audience) -> Verdict {
        var screening = Screening(text, context: ModerationContext(org: "acme", room: "dm", user: user, role: role, audience: audience))
        lists.screen(&screening)
        SignalStage(settings: ConversationSettings(), history: history, clock: clock.read).screen(&screening)
        return screening.verdict(neverBlock: [], urgent: ["sexual_minor_risk"])
    }

    private let student = ModerationContext.Audience.direct(peer: "student1", peerRole: "student")

    func testWeakSignalsFromAnAdultToAStudentEscalateInTheConversation() {
        XCTAssertEqual(screen("hi! how old are you?", to: student).action, .allow)
        XCTAssertEqual(screen("nice to meet you", to: student).action, .allow)
        let escalated = screen("and what school do you go to?", to: student)
        XCTAssertEqual(escalated.action, .hold)
        XCTAssertEqual(escalated.reasons, ["sexual_minor_risk"])
        XCTAssertTrue(escalated.urgent)
        XCTAssertEqual(escalated.scores["sexual_minor_risk"], 1)
    }

    func testOneSignalCountsOncePerMessage() {
        XCTAssertEqual(screen("how old are you? what's your age?", to: student).action, .allow)
    }

    func testTheWindowForgets() {
        XCTAssertEqual(screen("how old are you?", to: student).action, .allow)
        clock.advance(seconds: ConversationSettings().windowSeconds + 1)
        XCTAssertEqual(screen("what school are you in", to: student).action, .allow)
    }

    func testPeersAndGroupsWeighLessAndDoNotAddUp() {
        let group = ModerationContext.Audience.group
        for text in ["how old are you?", "what school do you go to?", "how old are you?"] {
            XCTAssertEqual(screen(text, from: "s2", role: "student", to: group).action, .allow, text)
        }
        let mentor = ModerationContext.Audience.direct(peer: "mentor1", peerRole: "mentor")
        for text in ["how old are you?", "what school did you go to?"] {
            XCTAssertEqual(screen(text, from: "s2", role: "student", to: mentor).action, .allow, text)
        }
        XCTAssertEqual(screen("send me a pic", from: "s2", role: "student", to: group).action, .hold, "a strong signal holds anywhere")
    }

    func testExceptionsCancelSignalsTheyCover() {
        XCTAssertEqual(screen("send me a pic of your homework", to: student).action, .allow)
        XCTAssertEqual(screen("send me a pic", to: student).action, .hold)
    }

    func testConversationsAreSeparate() {
        XCTAssertEqual(screen("how old are you?", to: student).action, .allow)
        let other = ModerationContext.Audience.direct(peer: "student2", peerRole: "student")
        XCTAssertEqual(screen("what school are you at?", to: other).action, .allow)
        XCTAssertEqual(screen("what school are you at?", from: "mentor2", to: student).action, .allow)
    }
}
