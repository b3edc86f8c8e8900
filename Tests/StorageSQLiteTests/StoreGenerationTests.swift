import Foundation
import GRDB
import Logging
import Storage
@testable import StorageSQLite
import Wire
import XCTest

/// A database file restored from an older copy must not keep its rooms' epochs: seqs would be reused.
final class StoreGenerationTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("generation-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    private func open(_ path: String) throws -> SQLiteChatStore {
        try SQLiteChatStore(path: path, logger: Logger(label: "generation-tests"))
    }

    private func append(_ store: SQLiteChatStore, _ texts: [String]) async throws {
        let author = UserRef(id: "alice", name: "Alice", role: .student)
        let batch = texts.map {
            NewMessage(id: UUID().uuidString, from: author, text: $0, ts: 1_000, replyTo: nil, clientMsgID: UUID().uuidString, moderation: nil, status: "delivered")
        }
        _ = try await store.appendMessages(org: "org1", room: "r1", batch, idempotentSince: 0)
    }

    /// Copies the database file (the store is closed, so the WAL is checkpointed into it).
    private func copyDatabase(_ path: String, to copy: String) throws {
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
    }

    private func restore(_ copy: String, over path: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: copy, toPath: path)
    }

    func testRestoredCopyGetsNewEpochWhileRestartsKeepIt() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("chat.sqlite").path
        let backup = directory.appendingPathComponent("backup.sqlite").path
        let info = RoomInfo(id: "r1", kind: .group, title: "R1", visibility: .private, members: ["alice"], createdBy: "bob", createdAt: 1)

        var store = try open(path)
        _ = try await store.createRoom(org: "org1", info: info, epoch: "epoch-1")
        try await append(store, ["one", "two"])
        try await store.close()
        try copyDatabase(path, to: backup)

        // An ordinary restart keeps the epoch: clients recover across it.
        store = try open(path)
        var room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.epoch, "epoch-1")
        try await append(store, ["three", "four"])
        try await store.close()

        // The older copy comes back: seqs 3 and 4 will be reused, so the epoch must change.
        try restore(backup, over: path)
        store = try open(path)
        room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, 2)
        let restoredEpoch = try XCTUnwrap(room?.epoch)
        XCTAssertNotEqual(restoredEpoch, "epoch-1")
        try await store.close()

        // Once rotated, the next restart keeps the new epoch.
        store = try open(path)
        room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.epoch, restoredEpoch)
        try await store.close()
    }

    func testDatabaseWithoutItsSidecarGetsNewEpochs() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("chat.sqlite").path
        let info = RoomInfo(id: "r1", kind: .group, title: "R1", visibility: .private, members: ["alice"], createdBy: "bob", createdAt: 1)
        var store = try open(path)
        _ = try await store.createRoom(org: "org1", info: info, epoch: "epoch-1")
        try await store.close()

        // Copied alone to a new place (or the operator removed the sidecar to force it).
        try FileManager.default.removeItem(atPath: StoreGeneration.sidecarPath(for: path))
        store = try open(path)
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertNotEqual(room?.epoch, "epoch-1")
        try await store.close()
    }

    func testCommitsAreFullySynchronousByDefault() async throws {
        let directory = try temporaryDirectory()
        let durable = try open(directory.appendingPathComponent("full.sqlite").path)
        let relaxed = try SQLiteChatStore(path: directory.appendingPathComponent("normal.sqlite").path, durableCommits: false, logger: Logger(label: "generation-tests"))
        // PRAGMA synchronous: 1 = NORMAL, 2 = FULL.
        let full = try await durable.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        let normal = try await relaxed.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        XCTAssertEqual(full, 2)
        XCTAssertEqual(normal, 1)
        try await durable.close()
        try await relaxed.close()
    }
}
