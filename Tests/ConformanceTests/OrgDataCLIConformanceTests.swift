import Foundation
import XCTest

/// `realtime-server backup`, `restore` and `gdpr export`, run as the real executable against
/// the store of a running server (SQLite, or PostgreSQL in the suite's second run).
final class OrgDataCLIConformanceTests: ConformanceTestCase {
    private func run(_ arguments: [String], on server: TestServer) async throws -> (status: Int32, output: String) {
        try await ServerProcess.runCLI(
            arguments, dbPath: server.config.sqlitePath, workingDirectory: server.directory, extra: server.storeEnvironment)
    }

    /// A room with a conversation, a reaction and a read position; returns the room id.
    private func converse(org: String) async throws -> String {
        let mentor = try await user("mia", "mentor", name: "Mia", org: org)
        let student = try await user("sam", name: "Sam", org: org)
        let room = Fresh.id("algebra")
        try await mentor.createRoom(room, title: "Algebra", visibility: "org")
        try await mentor.join(room)
        try await student.join(room)
        let question = try await student.say("is 3/4 more than 2/3?", in: room)
        try await mentor.say("yes: 9/12 against 8/12", in: room)
        try await mentor.require("ok", ["type": "react", "room": room, "msg_id": question["msg_id"]?.string ?? "", "emoji": "👍", "on": true])
        try await student.send(json: ["type": "read", "room": room, "seq": 2])
        try await Task.sleep(for: .milliseconds(200))
        await mentor.close()
        await student.close()
        return room
    }

    func testBackupOfOneOrgRestoresIntoAnEmptyServerWithNewEpochs() async throws {
        let room = try await converse(org: org)
        let otherOrg = Fresh.id("other")
        _ = try await converse(org: otherOrg)
        let before = try await user("sam", org: org).join(room)
        let file = server.directory.appendingPathComponent("org.backup.json").path

        let (status, _) = try await run(["backup", "--org", org, file], on: server)
        XCTAssertEqual(status, 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "a backup holds personal data")

        let org = self.org!
        try await withServer({ _ in }) { empty in
            let (restored, _) = try await run(["restore", file], on: empty)
            XCTAssertEqual(restored, 0)
            let sam = try await empty.connectAuthed(user: "sam", org: org)
            let joined = try await sam.join(room)
            XCTAssertEqual(joined["last_seq"]?.int, 2)
            XCTAssertNotEqual(joined["epoch"]?.string, before["epoch"]?.string, "restored rooms get a new epoch")
            XCTAssertEqual(joined["room"]?["title"]?.string, "Algebra")
            let history = try await sam.require("history", ["type": "history", "room": room, "limit": 10])
            let messages = history["messages"]?.array ?? []
            XCTAssertEqual(messages.compactMap { $0["text"]?.string }, ["is 3/4 more than 2/3?", "yes: 9/12 against 8/12"])
            XCTAssertEqual(messages.compactMap { $0["seq"]?.int }, [1, 2])
            XCTAssertEqual(messages.first?["reactions"]?["👍"]?.int, 1)
            // A client that recovers with the old epoch is told to reload, not given a gap.
            let recovering = try await empty.connectAuthed(user: "mia", org: org, role: "mentor")
            let recovered = try await recovering.join(room, since: 2, epoch: before["epoch"]?.string)
            XCTAssertEqual(recovered["recovered"]?.bool, false)

            // Nothing of the other org came along.
            let admin = try await empty.token(user: "boss", org: otherOrg, role: "admin")
            let users = try await RawHTTP.get(port: empty.port, path: "/v1/admin/users", headers: [("Authorization", "Bearer \(admin)")])
            XCTAssertEqual(JSON.parse(users.body)?["users"]?.array?.count, 0)

            // The org is there now: restoring again needs --replace.
            let (refused, _) = try await run(["restore", file], on: empty)
            XCTAssertEqual(refused, 1)
            let (replaced, _) = try await run(["restore", "--replace", file], on: empty)
            XCTAssertEqual(replaced, 0)
        }
    }

    func testRestoreRefusesWhatIsNotABackup() async throws {
        let file = server.directory.appendingPathComponent("not-a-backup.json").path
        for content in ["{}", "not json", #"{"format":"realtime-server org backup","version":99,"org":"x","created_at":0,"tables":{}}"#] {
            try Data(content.utf8).write(to: URL(fileURLWithPath: file))
            let (status, _) = try await run(["restore", file], on: server)
            XCTAssertEqual(status, 1, content)
        }
        let (missing, _) = try await run(["restore", "/nonexistent/backup.json"], on: server)
        XCTAssertEqual(missing, 1)
        let (badOrg, _) = try await run(["backup", "--org", "not an id", file], on: server)
        XCTAssertNotEqual(badOrg, 0)
    }

    func testGDPRExportHoldsEverythingAboutTheUserAndNothingElse() async throws {
        let room = try await converse(org: org)
        let (status, output) = try await run(["gdpr", "export", "--org", org, "--user", "sam"], on: server)
        XCTAssertEqual(status, 0)
        let document = try XCTUnwrap(JSON.parse(output), output)
        XCTAssertEqual(document["org"]?.string, org)
        XCTAssertEqual(document["user"]?.string, "sam")
        XCTAssertNotNil(document["exported_at"]?.int)
        let data = try XCTUnwrap(document["data"])
        XCTAssertEqual(data["users"]?[0]?["name"]?.string, "Sam")
        XCTAssertEqual(data["messages"]?.array?.compactMap { $0["text"]?.string }, ["is 3/4 more than 2/3?"], "only their own messages")
        XCTAssertEqual(data["room_members"]?.array?.compactMap { $0["room"]?.string }, [room])
        XCTAssertEqual(data["read_positions"]?[0]?["seq"]?.int, 2)
        XCTAssertEqual(data["gam_progress"]?[0]?["messages"]?.int, 1)
        XCTAssertEqual(data["reactions"]?.array?.count, 0, "the mentor's reaction is the mentor's data")
        XCTAssertEqual(data["rooms"]?.array?.count, 0, "sam created no room")

        let (unknownStatus, unknown) = try await run(["gdpr", "export", "--org", org, "--user", "nobody"], on: server)
        XCTAssertEqual(unknownStatus, 0)
        XCTAssertEqual(JSON.parse(unknown)?["data"]?["messages"]?.array?.count, 0)
    }
}
