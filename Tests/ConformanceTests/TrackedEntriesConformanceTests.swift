import Configuration
import Foundation
import Activity
import Gamification
import Logging
import Presence
import Review
import Rooms
import Broker
import Storage
import StorageSQLite
import Wire
import XCTest

/// Issue 11, bounded memory: every per-user and per-room map shrinks back once its users and
/// rooms are gone, seen from outside through `rts_tracked_entries{map=…}` on /metrics.
final class TrackedEntriesConformanceTests: XCTestCase {
    /// The gauge's value, or nil before the first sample.
    private func tracked(_ map: String, port: Int) async throws -> Double? {
        let body = try await RawHTTP.get(port: port, path: "/metrics").body
        let prefix = "rts_tracked_entries{map=\"\(map)\"} "
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return Double(line.dropFirst(prefix.count))
    }

    /// Waits for the periodic upkeep (every 5 s) to report `value` for every map, or fails with the last values seen.
    private func waitForTracked(_ maps: [String], toBe value: Double, port: Int, file: StaticString = #filePath, line: UInt = #line) async throws {
        var last: [String: Double?] = [:]
        for _ in 0..<300 {
            for map in maps { last[map] = try await tracked(map, port: port) }
            if maps.allSatisfy({ last[$0] == value }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("expected \(value) for \(maps), last seen \(last)", file: file, line: line)
    }

    func testPerUserMapsEmptyOnceEveryoneHasLeft() async throws {
        try await withServer({ config in
            config.presenceGraceMS = 50
            // Buckets refill within 10 ms of the last send.
            config.sendRate = 1_000
            config.sendBurst = 10
        }) { server in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let alice = try await server.connectAuthed(user: "alice", org: org, role: "mentor")
            let bob = try await server.connectAuthed(user: "bob", org: org, role: "student")
            try await alice.createRoom(room, members: ["bob"])
            try await alice.join(room)
            try await bob.join(room)
            try await alice.send(json: ["type": "typing", "room": room, "on": true])
            try await alice.say("hello", in: room)
            try await waitForTracked(["presence", "session_users"], toBe: 2, port: server.port)

            await alice.close()
            await bob.close()
            try await waitForTracked(["presence", "session_users", "typing", "user_buckets"], toBe: 0, port: server.port)
        }
    }

    func testEndedMutesAreSwept() {
        let mutes = MuteList()
        mutes.mute(org: "o", room: "r", user: "a", until: 1_000)
        mutes.mute(org: "o", room: "r", user: "b", until: 5_000)
        XCTAssertEqual(mutes.count, 2)
        // Nobody sends again, so no check ever forgets "a": the sweep must.
        mutes.sweep(now: 2_000)
        XCTAssertEqual(mutes.count, 1)
        XCTAssertEqual(mutes.mutedUntil(org: "o", room: "r", user: "b", now: 2_000), 5_000)
        mutes.sweep(now: 5_000)
        XCTAssertEqual(mutes.count, 0)
    }

    func testIdleRoomsLeaveTheRegistry() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-rooms-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let logger = Logger(label: "tracked-entries")
        let clock = ManualClock("2026-11-30T10:00:00Z")
        let store = try SQLiteChatStore(path: directory.appendingPathComponent("chat.sqlite").path, logger: logger)
        let info = RoomInfo(id: "r1", kind: .group, title: "R1", visibility: .private, members: ["alice"], createdBy: "alice", createdAt: 1)
        _ = try await store.createRoom(org: "o", info: info, epoch: "e1")
        let broker = InProcessBroker(nodeID: "n1")
        let rooms = RoomRegistry(
            store: store, audit: AuditTrail(store: store, logger: logger), broker: broker,
            presence: PresenceTracker(graceMS: 0, clock: clock, broker: broker), activity: NoActivity(),
            settings: RoomSettings(idleUnloadMS: 60_000), clock: clock, logger: logger)

        _ = try await rooms.room(org: "o", id: "r1")
        var loaded = await rooms.loadedCount
        XCTAssertEqual(loaded, 1)
        await rooms.unloadIdleRooms()
        loaded = await rooms.loadedCount
        XCTAssertEqual(loaded, 1, "not idle long enough yet")

        clock.advance(hours: 1)
        await rooms.unloadIdleRooms()
        loaded = await rooms.loadedCount
        XCTAssertEqual(loaded, 0)
        try await store.close()
    }
}

/// Gamification is not under test here.
private struct NoActivity: ActivityFeed {
    func record(_ event: ActivityEvent) {}
}
