import Foundation
import JSONValues
import RealtimeClient
import Synchronization
import XCTest

/// The Swift client (`RealtimeClient`) against the real server: chat, errors, a dropped
/// connection recovered without gap or duplicate, the offline send queue, token refresh.
final class RealtimeClientConformanceTests: ConformanceTestCase {
    private var url: String { "ws://127.0.0.1:\(server.port)/ws" }

    /// A client whose token provider mints for `user`; `tokens` lets a test vary what it returns.
    private func client(
        _ user: String, role: String = "student", ttl: Int = 3600, refreshMargin: Duration = .seconds(30),
        tokens: (@Sendable (Int) async throws -> Int)? = nil
    ) -> (RealtimeClient, EventLog) {
        let (server, org) = (server!, org!)
        let calls = Mutex(0)
        let client = RealtimeClient(ClientConfiguration(
            url: url,
            token: {
                let call = calls.withLock { count in
                    count += 1
                    return count
                }
                let lifetime = try await tokens?(call) ?? ttl
                return try await server.token(user: user, org: org, role: role, ttl: lifetime)
            },
            requestTimeout: .seconds(5), reconnectBase: .milliseconds(200), reconnectMax: .seconds(1), refreshMargin: refreshMargin))
        return (client, EventLog(client))
    }

    /// Connects both, the mentor creates an org room, both join it.
    private func connectedToOneRoom(_ mentor: RealtimeClient, _ student: RealtimeClient) async throws -> String {
        try await mentor.connect()
        try await student.connect()
        let room = Fresh.id("rc")
        try await mentor.createRoom(room, visibility: "org")
        try await mentor.join(room)
        try await student.join(room)
        return room
    }

    func testTwoClientsChatAndErrorsCarryTheirCodes() async throws {
        let (mentor, _) = client("cm-mentor", role: "mentor")
        let (student, studentEvents) = client("cm-student")
        let room = try await connectedToOneRoom(mentor, student)

        let ack = try await mentor.send(room: room, text: "welcome")
        XCTAssertEqual(ack["seq"]?.int, 1)
        XCTAssertEqual(ack["status"]?.string, "delivered")
        let seqs = try await studentEvents.messageSeqs(in: room, count: 1)
        XCTAssertEqual(seqs, [1])

        await XCTAssertThrowsCode("not_found") { try await student.join(Fresh.id("missing")) }
        await XCTAssertThrowsCode("bad_request") { try await student.send(room: room, text: "   ") }
        await XCTAssertThrowsCode("forbidden") { try await student.createRoom(Fresh.id("no")) }
        await mentor.close()
        await student.close()
    }

    /// The student's token provider fails once (its refresh), so the server closes at `exp`
    /// (4010); the client reconnects, rejoins with `since`, and sends what it queued meanwhile.
    func testADroppedConnectionIsRecoveredWithoutGapOrDuplicateAndQueuedSendsGoOutOnce() async throws {
        let (mentor, mentorEvents) = client("rd-mentor", role: "mentor")
        let (student, studentEvents) = client("rd-student", ttl: 2, refreshMargin: .seconds(5)) { call in
            if call == 2 { throw RealtimeError(code: "unavailable", message: "token service down") }
            return call == 1 ? 2 : 3600
        }
        let room = try await connectedToOneRoom(mentor, student)
        for n in 1...3 { try await mentor.send(room: room, text: "before \(n)") }
        _ = try await studentEvents.messageSeqs(in: room, count: 3)

        try await studentEvents.waitFor("the 4010 close") { if case .disconnected(code: 4010?, reason: _) = $0 { true } else { false } }
        // While the student is away: the mentor talks, and the student's app sends.
        for n in 1...5 { try await mentor.send(room: room, text: "meanwhile \(n)") }
        let offline = Task { try await student.send(room: room, text: "sent while offline", clientMsgID: "offline-1") }

        let ack = try await offline.value
        XCTAssertEqual(ack["status"]?.string, "delivered")
        let seqs = try await studentEvents.messageSeqs(in: room, count: 9)
        XCTAssertEqual(seqs, Array(1...9), "every message once, in order, across the reconnect")
        let mentorSaw = try await mentorEvents.messageSeqs(in: room, count: 9)
        XCTAssertEqual(mentorSaw, Array(1...9))
        try await Task.sleep(for: .milliseconds(300))
        let texts = await mentorEvents.messageTexts(in: room)
        XCTAssertEqual(texts.filter { $0 == "sent while offline" }.count, 1, "the queued send went out once")

        let again = try await student.send(room: room, text: "sent while offline", clientMsgID: "offline-1")
        XCTAssertEqual(again["msg_id"], ack["msg_id"], "the same client_msg_id is the same message")
        await mentor.close()
        await student.close()
    }

    func testTheTokenIsRefreshedBeforeItExpires() async throws {
        let (student, events) = client("tr-student", ttl: 3, refreshMargin: .seconds(2))
        let hello = try await student.connect()
        try await Task.sleep(for: .seconds(4))
        let disconnects = await events.all().filter { if case .disconnected = $0 { true } else { false } }
        XCTAssertTrue(disconnects.isEmpty, "still on the first connection after the first token's exp: \(disconnects)")
        let pong = try await student.request(["type": .string("ping")])
        XCTAssertEqual(pong["type"]?.string, "pong")
        XCTAssertNotNil(hello["session"]?.string)
        await student.close()
    }

    /// The example bot, run as a user would: approves a held message, rejects held spam.
    func testTheModeratorBotExampleDecidesHeldMessagesByItsPolicy() async throws {
        let (mentor, mentorEvents) = client("mb-mentor", role: "mentor")
        let (student, studentEvents) = client("mb-student")
        let room = try await connectedToOneRoom(mentor, student)
        let worrying = try await student.send(room: room, text: "I want to kill myself")
        XCTAssertEqual(worrying["status"]?.string, "held")
        let spam = try await student.send(room: room, text: "http://a.example http://b.example http://c.example http://d.example")
        XCTAssertEqual(spam["status"]?.string, "held", "a link flood is held as spam")
        let spamID = try XCTUnwrap(spam["msg_id"]?.string)

        let token = try await server.minter.mint(sub: "mb-bot", org: org, role: "mentor", scope: ["moderation"], ttlSeconds: 600)
        let bot = Process()
        bot.executableURL = try ServerProcess.binary().deletingLastPathComponent().appendingPathComponent("moderator-bot")
        bot.arguments = ["--url", url, "--token", token, "--once"]
        try bot.run()
        bot.waitUntilExit()
        XCTAssertEqual(bot.terminationStatus, 0)

        let approved = try await mentorEvents.messageTexts(in: room, waitingFor: "I want to kill myself")
        XCTAssertTrue(approved.contains("I want to kill myself"), "approved and delivered: \(approved)")
        try await studentEvents.waitFor("the spam's rejection") { event in
            if case .moderation(let notice) = event { notice["msg_id"]?.string == spamID && notice["action"]?.string == "reject" } else { false }
        }
        await mentor.close()
        await student.close()
    }

    private func XCTAssertThrowsCode(
        _ code: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch let error as RealtimeError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        } catch {
            XCTFail("expected RealtimeError \(code), got \(error)", file: file, line: line)
        }
    }
}

/// Everything a client's `events` yields, kept for the test to look at.
private actor EventLog {
    private var events: [ClientEvent] = []

    init(_ client: RealtimeClient) {
        let stream = client.events
        Task { await self.read(stream) }
    }

    private func read(_ stream: AsyncStream<ClientEvent>) async {
        for await event in stream { events.append(event) }
    }

    func all() -> [ClientEvent] { events }

    func waitFor(_ what: String, timeout: Duration = .seconds(10), _ matches: @Sendable (ClientEvent) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !events.contains(where: matches) {
            guard ContinuousClock.now < deadline else { throw ConformanceError("no \(what) within \(timeout): \(events)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The seqs delivered in `room`, once at least `count` arrived.
    func messageSeqs(in room: String, count: Int) async throws -> [Int64] {
        let deadline = ContinuousClock.now + .seconds(10)
        while messages(in: room).count < count {
            guard ContinuousClock.now < deadline else { throw ConformanceError("\(messages(in: room).count) of \(count) messages in \(room): \(events)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return messages(in: room).compactMap { $0["seq"]?.int }
    }

    func messageTexts(in room: String) -> [String] { messages(in: room).compactMap { $0["text"]?.string } }

    func messageTexts(in room: String, waitingFor text: String) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(10)
        while !messageTexts(in: room).contains(text), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return messageTexts(in: room)
    }

    private func messages(in room: String) -> [JSONValue] {
        events.compactMap { event in
            if case .message(room, let message) = event { return message }
            return nil
        }
    }
}
