import Foundation
import XCTest

/// GDPR erasure (issue 13): `POST /v1/admin/users/{user}/erase` on a live server, and
/// `realtime-server gdpr erase` on a store, each checked against `gdpr export` before and after.
final class ErasureConformanceTests: ConformanceTestCase {
    private func erase(_ user: String) async throws -> (status: Int, body: JSON?) {
        let token = try await server.token(user: "boss", org: org, role: "admin")
        let result = try await RawHTTP.request(
            port: server.port, method: "POST", path: "/v1/admin/users/\(user)/erase", headers: [("Authorization", "Bearer \(token)")], body: "")
        return (result.status, JSON.parse(result.body))
    }

    private func export(_ user: String) async throws -> JSON {
        let (status, output) = try await ServerProcess.runCLI(
            ["gdpr", "export", "--org", org, "--user", user], dbPath: server.config.sqlitePath, workingDirectory: server.directory,
            extra: server.storeEnvironment)
        XCTAssertEqual(status, 0)
        return try XCTUnwrap(JSON.parse(output)?["data"], output)
    }

    /// sam writes twice and earns a helpful award; mia answers once; wes watches the room and the org board.
    private func conversation() async throws -> (room: String, sam: TestClient, watcher: TestClient, samMessages: [String]) {
        let mia = try await user("mia", "mentor", name: "Mia")
        let sam = try await user("sam", name: "Sam Erasable")
        let watcher = try await user("wes", "mentor", name: "Wes")
        let room = Fresh.id("algebra")
        try await mia.createRoom(room, visibility: "org")
        for client in [mia, sam, watcher] { try await client.join(room) }
        var samMessages: [String] = []
        for text in ["sam's first answer", "sam's second answer"] {
            let ack = try await sam.say(text, in: room)
            samMessages.append(try XCTUnwrap(ack["msg_id"]?.string))
        }
        try await mia.say("well done", in: room)
        try await mia.require("ok", ["type": "react", "room": room, "msg_id": samMessages[0], "emoji": "helpful", "on": true])
        try await Task.sleep(for: .milliseconds(300))
        let board = try await watcher.require("leaderboard", ["type": "subscribe", "topic": "leaderboard", "period": "all"])
        XCTAssertTrue(board["entries"]?.array?.contains { $0["user"]?.string == "sam" } == true, "\(board)")
        await watcher.drain()
        return (room, sam, watcher, samMessages)
    }

    func testEraseOverTheAdminAPITombstonesLiveAndRemovesEverythingElse() async throws {
        let (room, sam, watcher, samMessages) = try await conversation()
        let before = try await export("sam")
        XCTAssertEqual(before["messages"]?.array?.compactMap { $0["text"]?.string }, ["sam's first answer", "sam's second answer"])
        XCTAssertEqual(before["users"]?[0]?["name"]?.string, "Sam Erasable")
        XCTAssertFalse(before["gam_scores"]?.array?.isEmpty ?? true)

        let erased = try await erase("sam")
        XCTAssertEqual(erased.status, 200)
        XCTAssertEqual(erased.body?["messages"]?.int, 2)
        XCTAssertEqual(erased.body?["reactions"]?.int, 1, "mia's helpful on sam's message")
        XCTAssertEqual(erased.body?["held_messages"]?.int, 0)

        // sam is signed out; the watcher sees each message go, and the board without sam.
        let close = try await sam.closeCode()
        XCTAssertEqual(close, 4001)
        var deleted: [String] = []
        for _ in samMessages {
            let push = try await watcher.nextPush("message.deleted", in: room)
            XCTAssertEqual(push["by"]?.string, "boss")
            deleted.append(push["msg_id"]?.string ?? "")
        }
        XCTAssertEqual(Set(deleted), Set(samMessages))
        let board = try await watcher.next(timeout: .seconds(5), "leaderboard without sam") { frame in
            frame.type == "leaderboard" && frame["entries"]?.array?.contains { $0["user"]?.string == "sam" } == false
        }
        XCTAssertNotNil(board)

        // History keeps seqs 1…3: sam's are tombstones.
        let history = try await watcher.require("history", ["type": "history", "room": room, "limit": 10])
        let messages = history["messages"]?.array ?? []
        XCTAssertEqual(messages.compactMap { $0["seq"]?.int }, [1, 2, 3])
        XCTAssertEqual(messages.map { $0["deleted"]?.bool ?? false }, [true, true, false])
        XCTAssertEqual(messages.compactMap { $0["text"]?.string }, ["well done"])
        XCTAssertFalse(history.description.contains("Sam Erasable"))

        // Nothing personal left: no account, no text, no name, no points.
        let admin = try await server.token(user: "boss", org: org, role: "admin")
        let account = try await RawHTTP.get(port: server.port, path: "/v1/admin/users/sam", headers: [("Authorization", "Bearer \(admin)")])
        XCTAssertEqual(account.status, 404)
        let after = try await export("sam")
        XCTAssertEqual(after["users"]?.array?.count, 0)
        XCTAssertEqual(after["messages"]?.array?.compactMap { $0["text"]?.string }, [])
        XCTAssertFalse(after.description.contains("Sam Erasable"))
        for table in ["reactions", "gam_progress", "gam_scores", "gam_achievements", "held_messages"] {
            XCTAssertEqual(after[table]?.array?.count, 0, table)
        }
        let audit = try await RawHTTP.get(port: server.port, path: "/v1/admin/audit?action=erase", headers: [("Authorization", "Bearer \(admin)")])
        XCTAssertEqual(JSON.parse(audit.body)?["records"]?[0]?["subject"]?.string, "sam")

        // A repeat finds nothing; students may not erase.
        let again = try await erase("sam")
        XCTAssertEqual(again.body?["messages"]?.int, 0)
        let student = try await server.token(user: "mia", org: org, role: "student")
        let refused = try await RawHTTP.request(
            port: server.port, method: "POST", path: "/v1/admin/users/wes/erase", headers: [("Authorization", "Bearer \(student)")], body: "")
        XCTAssertEqual(refused.status, 403)
    }

    func testEraseFromTheCommandLineGoesThroughTheRunningServer() async throws {
        let (room, sam, watcher, samMessages) = try await conversation()
        let (status, output) = try await ServerProcess.runCLI(
            ["gdpr", "erase", "--org", org, "--user", "sam", "--url", "http://127.0.0.1:\(server.port)"],
            dbPath: server.config.sqlitePath, workingDirectory: server.directory, extra: server.storeEnvironment)
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(JSON.parse(output)?["messages"]?.int, 2, output)
        // Live: sam's session closes and the watcher sees the messages go.
        let close = try await sam.closeCode()
        XCTAssertEqual(close, 4001)
        for _ in samMessages { _ = try await watcher.nextPush("message.deleted", in: room) }
        let history = try await watcher.require("history", ["type": "history", "room": room, "limit": 10])
        XCTAssertEqual(history["messages"]?.array?.compactMap { $0["text"]?.string }, ["well done"])
    }

    func testEraseFromTheCommandLineWithoutAServerLeavesNothingToExport() async throws {
        let (room, sam, watcher, _) = try await conversation()
        await sam.close()
        // No server at the configured port (the CLI's is 0): erased in the store.
        let (status, output) = try await ServerProcess.runCLI(
            ["gdpr", "erase", "--org", org, "--user", "sam"], dbPath: server.config.sqlitePath, workingDirectory: server.directory,
            extra: server.storeEnvironment)
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(JSON.parse(output)?["messages"]?.int, 2, output)
        XCTAssertEqual(JSON.parse(output)?["user"]?.string, "sam", output)
        let after = try await export("sam")
        XCTAssertEqual(after["messages"]?.array?.compactMap { $0["text"]?.string }, [])
        XCTAssertEqual(after["users"]?.array?.count, 0)
        let history = try await watcher.require("history", ["type": "history", "room": room, "limit": 10])
        XCTAssertEqual(history["messages"]?.array?.compactMap { $0["text"]?.string }, ["well done"])
        // Tokens issued before the erasure are refused.
        let old = try await server.token(user: "sam", org: org, role: "student", now: Date(timeIntervalSinceNow: -5))
        let client = try await server.connect(label: "sam-again")
        try await client.send(json: ["type": "auth", "id": "auth", "token": old])
        let close = try await client.closeCode()
        XCTAssertEqual(close, 4001)
    }
}
