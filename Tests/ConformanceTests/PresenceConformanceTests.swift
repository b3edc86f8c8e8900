import Configuration
import XCTest

/// PROTOCOL.md § Typing and presence (presence), with `presence_grace_ms` shortened.
final class PresenceConformanceTests: ConformanceTestCase {
    static let graceMS = 800
    override class var configure: @Sendable (inout ServerConfig) -> Void { { $0.presenceGraceMS = PresenceConformanceTests.graceMS } }

    /// `subject` (a mentor) creates and joins an org room; `watcher` joins it.
    private func room() async throws -> (room: String, subject: TestClient, watcher: TestClient) {
        let room = Fresh.id("room")
        let subject = try await user("subject", "mentor", name: "Sub")
        try await subject.createRoom(room, visibility: "org")
        try await subject.join(room)
        let watcher = try await user("watcher")
        try await watcher.join(room)
        await watcher.drain()
        return (room, subject, watcher)
    }

    private func presence(_ watcher: TestClient, _ room: String, _ status: String, timeout: Duration = .seconds(3)) async throws -> JSON {
        try await watcher.nextPush("presence", in: room, timeout: timeout) { $0["user"]?.string == "subject" && $0["status"]?.string == status }
    }

    func testUserComingOnlineIsPushedToRoomsTheyAreMemberOf() async throws {
        let (room, subject, watcher) = try await room()
        await subject.close()
        _ = try await presence(watcher, room, "offline")

        let back = try await user("subject", "mentor", name: "Sub")
        let online = try await presence(watcher, room, "online")
        XCTAssertNotNil(online["last_seen"]?.int, "presence pushes carry last_seen: \(online)")
        _ = back
    }

    func testJoinShowsOfflineMembersWithLastSeen() async throws {
        let (room, subject, watcher) = try await room()
        await subject.close()
        _ = try await presence(watcher, room, "offline")
        let joined = try await watcher.join(room)
        let entry = joined["presence"]?.array?.first { $0["user"]?.string == "subject" }
        XCTAssertEqual(entry?["status"]?.string, "offline", "\(joined)")
        XCTAssertEqual(entry?["name"]?.string, "Sub")
        XCTAssertGreaterThan(entry?["last_seen"]?.int ?? 0, 0)
    }

    func testPresenceSetAwayAndBackPushesBoth() async throws {
        let (room, subject, watcher) = try await room()
        try await subject.send(json: ["type": "presence.set", "status": "away"])
        let away = try await presence(watcher, room, "away")
        XCTAssertNotNil(away["last_seen"]?.int)

        let observer = try await user("observer", "admin")
        let joined = try await observer.join(room)
        let entry = joined["presence"]?.array?.first { $0["user"]?.string == "subject" }
        XCTAssertEqual(entry?["status"]?.string, "away", "\(joined)")

        try await subject.send(json: ["type": "presence.set", "status": "online"])
        _ = try await presence(watcher, room, "online")
    }

    func testOfflineIsPushedOnlyAfterTheGracePeriod() async throws {
        let (room, subject, watcher) = try await room()
        let start = ContinuousClock.now
        await subject.close()
        _ = try await presence(watcher, room, "offline", timeout: .seconds(4))
        let elapsed = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(Self.graceMS - 100), "offline came before presence_grace_ms")
    }

    func testQuickReconnectWithinGraceIsInvisible() async throws {
        let (room, subject, watcher) = try await room()
        await subject.close()
        let back = try await user("subject", "mentor", name: "Sub")
        await watcher.expectNoMessage(within: .milliseconds(Self.graceMS + 500), "presence change for a quick reconnect") {
            $0.type == "presence" && $0["user"]?.string == "subject"
        }
        _ = (room, back)
    }

    func testUserStaysOnlineWhileAnySessionIsConnected() async throws {
        let (room, subject, watcher) = try await room()
        let second = try await user("subject", "mentor", name: "Sub")
        await subject.close()
        await watcher.expectNoMessage(within: .milliseconds(Self.graceMS + 400), "offline while a session remains") {
            $0.type == "presence" && $0["user"]?.string == "subject"
        }
        await second.close()
        _ = try await presence(watcher, room, "offline")
    }
}
