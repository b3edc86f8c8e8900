import Configuration
import XCTest

/// PROTOCOL.md § Rooms (join with `since`/`epoch`: reconnect recovery).
final class RecoveryConformanceTests: ConformanceTestCase {
    static let recoveryMax = 5
    override class var configure: @Sendable (inout ServerConfig) -> Void { { $0.recoveryMax = RecoveryConformanceTests.recoveryMax } }

    private func seqs(_ frame: JSON) -> [Int] { frame["missed"]?.array?.map { $0.seq ?? -1 } ?? [] }

    /// A mentor-created org room with `count` messages from the mentor.
    private func roomWithMessages(_ count: Int, mentor: TestClient) async throws -> (room: String, epoch: String) {
        let room = Fresh.id("room")
        try await mentor.createRoom(room, visibility: "org")
        let joined = try await mentor.join(room)
        for n in 0..<count { try await mentor.say("m\(n + 1)", in: room) }
        return (room, joined["epoch"]?.string ?? "")
    }

    func testReconnectWithSinceRecoversMissedMessagesThenContinuesLive() async throws {
        let mentor = try await user("mentor", "mentor")
        let (room, _) = try await roomWithMessages(0, mentor: mentor)
        var student = try await user("student")
        let firstJoin = try await student.join(room)
        let epoch = firstJoin["epoch"]?.string
        for n in 1...2 { try await mentor.say("live \(n)", in: room) }
        _ = try await student.nextMessage(in: room, seq: 1)
        let lastSeen = try await student.nextMessage(in: room, seq: 2).seq ?? 0
        await student.close()

        for n in 3...6 { try await mentor.say("while away \(n)", in: room) }

        student = try await user("student")
        let rejoined = try await student.join(room, since: lastSeen, epoch: epoch)
        XCTAssertEqual(rejoined["recovered"]?.bool, true, "\(rejoined)")
        XCTAssertEqual(seqs(rejoined), [3, 4, 5, 6])
        XCTAssertEqual(rejoined["missed"]?.array?.map { $0["text"]?.string ?? "" }, (3...6).map { "while away \($0)" })
        XCTAssertEqual(rejoined["last_seq"]?.int, 6)
        XCTAssertEqual(rejoined["epoch"]?.string, epoch, "the room's epoch did not change")
        XCTAssertEqual(rejoined["missed"]?[0]?["from"]?["id"]?.string, "mentor", "missed holds full message objects")

        for n in 7...8 { try await mentor.say("live again \(n)", in: room) }
        _ = try await student.nextMessage(in: room, seq: 8)
        try await Task.sleep(for: .milliseconds(200))
        let pushed = await student.drain().filter { $0.type == "message" }.map { $0.seq ?? -1 }
        XCTAssertEqual(pushed, [7], "after joined: live pushes only, no duplicate of a missed message (8 was taken above)")
    }

    func testRecoveryWhileMessagesKeepArrivingHasNoGapNoDuplicateNoReordering() async throws {
        let mentor = try await user("mentor", "mentor")
        let (room, epoch) = try await roomWithMessages(3, mentor: mentor)
        let total = 40
        let sender = Task {
            for n in 4...total {
                _ = try await mentor.say("burst \(n)", in: room)
                if n % 2 == 0 { try await Task.sleep(for: .milliseconds(3)) }
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        let student = try await user("student")
        let joined = try await student.join(room, since: 3, epoch: epoch)
        try await sender.value
        let missed = seqs(joined)
        if joined["recovered"]?.bool == false {
            // More than recovery_max arrived before the join: missed holds the latest ones only.
            XCTAssertEqual(missed.count, Self.recoveryMax, "\(joined)")
        } else {
            XCTAssertEqual(missed.first ?? 4, 4, "\(joined)")
        }
        // Live pushes in arrival order, until the last message (unless missed already had it).
        var live: [Int] = []
        if !missed.contains(total) {
            while live.last != total {
                live.append(try await student.nextMessage(in: room, timeout: .seconds(5)).seq ?? -1)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        live += await student.drain().filter { $0.type == "message" }.map { $0.seq ?? -1 }
        let received = missed + live
        let start = received.first ?? 4
        XCTAssertEqual(received, Array(start...total), "missed followed by live pushes must be contiguous, without duplicates")
    }

    func testSinceAtLastSeqRecoversNothing() async throws {
        let mentor = try await user("mentor", "mentor")
        let (room, epoch) = try await roomWithMessages(3, mentor: mentor)
        let student = try await user("student")
        let joined = try await student.join(room, since: 3, epoch: epoch)
        XCTAssertEqual(joined["recovered"]?.bool, true)
        XCTAssertEqual(seqs(joined), [])
    }

    func testAClientAheadOfTheRoomIsNotRecovered() async throws {
        // Only a restored or rolled-back store can be behind its clients: they must re-sync.
        let mentor = try await user("mentor", "mentor")
        let (room, epoch) = try await roomWithMessages(3, mentor: mentor)
        let student = try await user("student")
        let joined = try await student.join(room, since: 7, epoch: epoch)
        XCTAssertEqual(joined["recovered"]?.bool, false, "\(joined)")
        XCTAssertEqual(seqs(joined), [1, 2, 3], "the latest messages")
    }

    func testExactlyRecoveryMaxMissingIsStillRecovered() async throws {
        let mentor = try await user("mentor", "mentor")
        let (room, epoch) = try await roomWithMessages(Self.recoveryMax + 3, mentor: mentor)
        let student = try await user("student")
        let joined = try await student.join(room, since: 3, epoch: epoch)
        XCTAssertEqual(joined["recovered"]?.bool, true, "\(joined)")
        XCTAssertEqual(seqs(joined), Array(4...(Self.recoveryMax + 3)))
    }

    func testMoreThanRecoveryMaxMissingIsNotRecoveredAndGivesTheLatest() async throws {
        let mentor = try await user("mentor", "mentor")
        let count = Self.recoveryMax + 3
        let (room, epoch) = try await roomWithMessages(count, mentor: mentor)
        let student = try await user("student")
        let joined = try await student.join(room, since: 0, epoch: epoch)
        XCTAssertEqual(joined["recovered"]?.bool, false, "\(joined)")
        XCTAssertEqual(seqs(joined), Array((count - Self.recoveryMax + 1)...count), "the latest recovery_max messages, in order")
        XCTAssertEqual(joined["last_seq"]?.int, count)

        // Older ones via history.
        let older = try await student.require("history", ["type": "history", "room": room, "before": count - Self.recoveryMax + 1])
        XCTAssertEqual(older["messages"]?.array?.map { $0.seq ?? -1 }, Array(1...(count - Self.recoveryMax)))
    }

    func testWrongEpochIsNotRecovered() async throws {
        let mentor = try await user("mentor", "mentor")
        let (room, epoch) = try await roomWithMessages(3, mentor: mentor)
        XCTAssertFalse(epoch.isEmpty)
        let student = try await user("student")
        let joined = try await student.join(room, since: 1, epoch: epoch + "-stale")
        XCTAssertEqual(joined["recovered"]?.bool, false, "\(joined)")
        XCTAssertEqual(seqs(joined), [1, 2, 3], "missed holds the latest recovery_max messages (here all of them)")
        XCTAssertEqual(joined["epoch"]?.string, epoch, "joined carries the room's current epoch")
    }
}
