import Foundation
@testable import Gamification
import Logging
import Outbound
import Broker
import Storage
import StorageSQLite
import Synchronization
import Wire
import XCTest

/// The engine's memory follows what is in use: idle orgs and old weekly boards go, and come
/// back from the (real, SQLite) store when asked for again.
final class MemoryBoundsTests: XCTestCase {
    /// Monday 2026-11-30 10:00 UTC, ISO week 2026-W49.
    private static let monday: Int64 = 1_796_032_800_000
    private static let day: Int64 = 86_400_000

    private final class HandClock: WallClock {
        private let now = Mutex<Int64>(MemoryBoundsTests.monday)
        func nowMS() -> Int64 { now.withLock { $0 } }
        func advance(ms: Int64) { now.withLock { $0 += ms } }
    }

    /// Streak and achievement pushes have no session to go to here.
    private struct NoSessions: UserNotifier {
        func notify(org: String, user: String, frame: SharedFrame) {}
    }

    private func makeEngine(clock: HandClock) throws -> (GamificationEngine, SQLiteChatStore) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gamification-memory-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteChatStore(path: directory.appendingPathComponent("chat.sqlite").path, logger: Logger(label: "memory-tests"))
        let engine = GamificationEngine(
            store: store, broker: InProcessBroker(nodeID: "n1"), settings: GamificationSettings(orgIdleMS: 60_000), clock: clock,
            notifier: NoSessions(),
            logger: Logger(label: "memory-tests"))
        return (engine, store)
    }

    /// Applies the recorded events and writes them, the way shutdown does.
    private func applyAll(_ engine: GamificationEngine) async {
        engine.finish()
        await engine.run()
    }

    func testIdleOrgLeavesMemoryAndComesBackWithItsPoints() async throws {
        let clock = HandClock()
        let (engine, store) = try makeEngine(clock: clock)
        engine.record(.messageDelivered(org: "org1", room: "r1", user: "u1", timeZone: nil, at: clock.nowMS()))
        await applyAll(engine)
        var board = try await engine.leaderboard(org: "org1", room: nil, period: .all)
        XCTAssertEqual(board.map(\.points), [1])
        var loaded = await engine.loadedOrgCount
        XCTAssertEqual(loaded, 1)

        // Used just now: stays.
        await engine.trimMemory()
        loaded = await engine.loadedOrgCount
        XCTAssertEqual(loaded, 1)

        clock.advance(ms: 60_001)
        await engine.trimMemory()
        loaded = await engine.loadedOrgCount
        XCTAssertEqual(loaded, 0)

        board = try await engine.leaderboard(org: "org1", room: nil, period: .all)
        XCTAssertEqual(board.map(\.user), ["u1"])
        XCTAssertEqual(board.map(\.points), [1])
        loaded = await engine.loadedOrgCount
        XCTAssertEqual(loaded, 1)
        try await store.close()
    }

    func testWeeklyBoardsBeforeThePreviousWeekArePrunedAndNotReloaded() async throws {
        let clock = HandClock()
        let (engine, store) = try makeEngine(clock: clock)
        // Three weeks ago, last week, this week: each adds the org's and the room's board of its week.
        for weeksAgo: Int64 in [3, 1, 0] {
            engine.record(.messageDelivered(org: "org1", room: "r1", user: "u1", timeZone: nil, at: clock.nowMS() - weeksAgo * 7 * Self.day))
        }
        await applyAll(engine)
        _ = try await engine.leaderboard(org: "org1", room: nil, period: .week)
        var boards = await engine.loadedBoardCount
        XCTAssertEqual(boards, 8, "all-time and three weeks, for the org and the room")

        await engine.trimMemory()
        boards = await engine.loadedBoardCount
        XCTAssertEqual(boards, 6, "the week three weeks ago is gone")

        // Reloaded from the store, the old week stays out; all-time points are all there.
        clock.advance(ms: 60_001)
        await engine.trimMemory()
        let all = try await engine.leaderboard(org: "org1", room: nil, period: .all)
        XCTAssertEqual(all.map(\.points), [3])
        boards = await engine.loadedBoardCount
        XCTAssertEqual(boards, 6)
        let week = try await engine.leaderboard(org: "org1", room: "r1", period: .week)
        XCTAssertEqual(week.map(\.points), [1])
        try await store.close()
    }
}
