import Configuration
import Foundation
import XCTest

/// Issue 11, durability: a database restored from an older copy gets new room epochs, so a client
/// holding seqs the copy never had is told `recovered:false` instead of silently missing messages.
final class RestoreConformanceTests: XCTestCase {
    func testJoinAfterRestoringAnOlderCopyIsNotRecovered() async throws {
        try skipOnPostgres("restores a copy of the SQLite file and relies on its generation sidecar; PostgreSQL backups are the operator's (pg_dump / PITR)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chat.sqlite").path
        let backup = directory.appendingPathComponent("backup.sqlite").path
        let configure: (inout ServerConfig) -> Void = { $0.dbPath = path }
        let org = Fresh.id("org")
        let room = Fresh.id("room")

        let firstEpoch = try await withServer(configure) { server in
            let alice = try await server.connectAuthed(user: "alice", org: org, role: "mentor")
            try await alice.createRoom(room)
            let joined = try await alice.join(room)
            try await alice.say("one", in: room)
            try await alice.say("two", in: room)
            await alice.close()
            return try XCTUnwrap(joined["epoch"]?.string)
        }
        // Stopped cleanly: the WAL is checkpointed into the file, which is the whole backup.
        try FileManager.default.copyItem(atPath: path, toPath: backup)

        let lastSeq = try await withServer(configure) { server in
            let alice = try await server.connectAuthed(user: "alice", org: org, role: "mentor")
            let joined = try await alice.join(room, since: 2, epoch: firstEpoch)
            XCTAssertEqual(joined["epoch"]?.string, firstEpoch, "a plain restart keeps the epoch")
            XCTAssertEqual(joined["recovered"]?.bool, true, "\(joined)")
            try await alice.say("three", in: room)
            let ack = try await alice.say("four", in: room)
            await alice.close()
            return try XCTUnwrap(ack["seq"]?.int)
        }
        XCTAssertEqual(lastSeq, 4)

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: path)

        try await withServer(configure) { server in
            let alice = try await server.connectAuthed(user: "alice", org: org, role: "mentor")
            let joined = try await alice.join(room, since: lastSeq, epoch: firstEpoch)
            XCTAssertNotEqual(joined["epoch"]?.string, firstEpoch, "\(joined)")
            XCTAssertEqual(joined["recovered"]?.bool, false, "\(joined)")
            XCTAssertEqual(joined["last_seq"]?.int, 2)
            // The next message reuses seq 3, which the client held as "three": only a new epoch tells it so.
            let ack = try await alice.say("three again", in: room)
            XCTAssertEqual(ack["seq"]?.int, 3)
            await alice.close()
        }
    }
}
