import Configuration
import Foundation
import XCTest

/// Child safety through the real server: signals from an adult to a student in private add up over the
/// conversation, the escalating message is held as urgent, peers in a group are not escalated, and urgent
/// holds go first and are never approved by a timeout.
final class ChildSafetyConformanceTests: ConformanceTestCase {
    override class var configure: @Sendable (inout ServerConfig) -> Void {
        { $0.reviewTimeoutMS = 60_000 }
    }

    /// Three weak signals, each harmless alone: an age question, flattery, a question about the student's own phone.
    private let groomingSequence = [
        "hi! how old are you, by the way?",
        "honestly you're my favourite student",
        "do you have your own phone or is it a family one?",
    ]

    private func bot() async throws -> TestClient {
        let token = try await server.minter.mint(sub: "safetybot", org: org, role: "mentor", scope: ["moderation"], ttlSeconds: 3600)
        let bot = try await server.connectAuthed(token: token, label: "bot")
        try await bot.require("ok", ["type": "subscribe", "topic": "moderation"])
        return bot
    }

    private func direct(_ opener: TestClient, with other: TestClient, id otherID: String) async throws -> String {
        let opened = try await opener.require("room", ["type": "direct.open", "user": otherID])
        let room = try XCTUnwrap(opened["room"]?["id"]?.string)
        try await opener.join(room)
        try await other.join(room)
        return room
    }

    func testAGroomingSequenceFromAMentorToAStudentIsHeldOnTheEscalatingMessageAsUrgent() async throws {
        let bot = try await bot()
        let mentor = try await user("coach", "mentor")
        let student = try await user("kid")
        let room = try await direct(mentor, with: student, id: "kid")
        for (index, text) in groomingSequence.dropLast().enumerated() {
            let ack = try await mentor.say(text, in: room)
            XCTAssertEqual(ack["status"]?.string, "delivered", text)
            _ = try await student.nextMessage(in: room, seq: index + 1)
        }
        let held = try await mentor.say(groomingSequence[2], in: room)
        XCTAssertEqual(held["status"]?.string, "held")
        let review = try await bot.next(type: "moderation.review")
        XCTAssertEqual(review["msg"]?["id"]?.string, held["msg_id"]?.string)
        XCTAssertEqual(review["priority"]?.string, "urgent")
        XCTAssertEqual(review["reasons"]?.array?.first?.string, "sexual_minor_risk")
        XCTAssertGreaterThanOrEqual(review["scores"]?["sexual_minor_risk"]?.double ?? 0, 1)
        await student.expectNoMessage(within: .milliseconds(300), "the held message") { $0.type == "message" }
    }

    func testTheSameWordsBetweenTwoStudentsInAGroupAreNotEscalated() async throws {
        let bot = try await bot()
        let mentor = try await user("teacher", "mentor")
        let first = try await user("pupil1")
        let second = try await user("pupil2")
        let room = Fresh.id("club")
        try await mentor.createRoom(room, visibility: "org")
        for client in [mentor, first, second] { try await client.join(room) }
        for (index, text) in groomingSequence.enumerated() {
            let ack = try await first.say(text, in: room)
            XCTAssertEqual(ack["status"]?.string, "delivered", text)
            _ = try await second.nextMessage(in: room, seq: index + 1)
        }
        await bot.expectNoMessage(within: .milliseconds(300), "a review") { $0.type == "moderation.review" }
    }

    func testAStudentAskingAMentorIsNotEscalatedButSextortionIsHeldFromAnyone() async throws {
        let mentor = try await user("guide", "mentor")
        let student = try await user("learner")
        let room = try await direct(student, with: mentor, id: "guide")
        for text in groomingSequence {
            let ack = try await student.say(text, in: room)
            XCTAssertEqual(ack["status"]?.string, "delivered", text)
        }
        let held = try await student.say("send me more pics or i'll post the ones you sent to everyone", in: room)
        XCTAssertEqual(held["status"]?.string, "held")
    }

    func testUrgentReviewsComeFirstForABotSubscribingLater() async throws {
        let mentor = try await user("lead", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("g")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        try await student.join(room)
        let ordinary = try await student.say("this is fucking hard", in: room)
        XCTAssertEqual(ordinary["status"]?.string, "held")
        let urgent = try await student.say("I want to kill myself", in: room)
        XCTAssertEqual(urgent["status"]?.string, "held")
        let bot = try await bot()
        let first = try await bot.next(type: "moderation.review")
        XCTAssertEqual(first["msg"]?["id"]?.string, urgent["msg_id"]?.string)
        XCTAssertEqual(first["priority"]?.string, "urgent")
        let second = try await bot.next(type: "moderation.review")
        XCTAssertEqual(second["msg"]?["id"]?.string, ordinary["msg_id"]?.string)
        XCTAssertEqual(second["priority"]?.string, "normal")
    }
}

/// `hold_default: approve` never applies to urgent holds: a timeout rejects them.
final class UrgentHoldTimeoutConformanceTests: XCTestCase {
    func testAnUrgentHoldIsRejectedOnATimeoutEvenWhenTheOrgApproves() async throws {
        try await withServer({ config in
            config.reviewTimeoutMS = 400
            config.holdDefault = .approve
        }) { server in
            let org = Fresh.id("urgent")
            let mentor = try await server.connectAuthed(user: "mentor", org: org, role: "mentor")
            let student = try await server.connectAuthed(user: "sam", org: org, role: "student")
            let opened = try await mentor.require("room", ["type": "direct.open", "user": "sam"])
            let room = try XCTUnwrap(opened["room"]?["id"]?.string)
            try await mentor.join(room)
            try await student.join(room)
            let held = try await mentor.say("are you home alone right now? don't tell your parents we talk", in: room)
            XCTAssertEqual(held["status"]?.string, "held")
            let notice = try await mentor.next(timeout: .seconds(3), "moderation notice") { $0.type == "moderation" }
            XCTAssertEqual(notice["action"]?.string, "reject")
            XCTAssertEqual(notice["reason"]?.string, "review_timeout")
            await student.expectNoMessage(within: .milliseconds(500), "the urgent message") { $0.type == "message" }
        }
    }
}
