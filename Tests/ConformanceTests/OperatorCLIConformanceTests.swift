import Foundation
import GRDB
import XCTest

/// `realtime-server moderate` and `realtime-server audit`, run as the real executable.
final class OperatorCLIConformanceTests: ConformanceTestCase {
    func testModeratePrintsOneVerdictPerLine() async throws {
        let lines = ["thanks for the help with algebra", "mail me at dana@example.com", "you are an idiot"].joined(separator: "\n") + "\n"
        let (status, output) = try await ServerProcess.runCLI(
            ["moderate", "--org", org], input: lines, dbPath: server.config.sqlitePath, workingDirectory: server.directory)
        XCTAssertEqual(status, 0)
        let verdicts = output.split(separator: "\n").compactMap { JSON.parse(String($0)) }
        XCTAssertEqual(verdicts.count, 3, output)
        XCTAssertEqual(verdicts.map { $0["action"]?.string }, ["allow", "mask", "block"])
        XCTAssertEqual(verdicts[1]["text"]?.string?.contains("dana@example.com"), false)
        XCTAssertEqual(verdicts[1]["reasons"]?.array, [.string("pii.email")])
        let toxicity = verdicts[2]["scores"]?["toxicity"]
        XCTAssertNotNil(toxicity, "scores carry the classifier's probability")
    }

    /// The trainer's input: each labelled line's feature hashes as the server computes them; a malformed set
    /// is refused with the file and line.
    func testModerationFeaturesPrintsEachLabelledLinesFeatures() async throws {
        let set = server.directory.appendingPathComponent("set.tsv")
        try "allow\tbenign\t-\tsee you at the library\nblock\tthreat\t-@mentor>student\tyou will regret this\n"
            .write(to: set, atomically: true, encoding: .utf8)
        let (status, output) = try await ServerProcess.runCLI(
            ["moderation-features", set.path], dbPath: server.config.sqlitePath, workingDirectory: server.directory)
        XCTAssertEqual(status, 0)
        let rows = output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.map { $0.prefix(4).joined(separator: "|") }, ["set.tsv:1|benign|-|en", "set.tsv:2|threat|mentor>student|en"])
        for row in rows {
            let hashes = row[4].split(separator: " ").compactMap { UInt64($0) }
            XCTAssertGreaterThan(hashes.count, 10)
            XCTAssertTrue(hashes.allSatisfy { $0 < 1 << 24 })
        }

        try "allow\tbenign\tno text field\n".write(to: set, atomically: true, encoding: .utf8)
        let (refused, _) = try await ServerProcess.runCLI(
            ["moderation-features", set.path], dbPath: server.config.sqlitePath, workingDirectory: server.directory)
        XCTAssertNotEqual(refused, 0)
    }

    func testAuditPrintsTheStoredTrail() async throws {
        let mentor = try await user("mentor", "mentor")
        let student = try await user("sam")
        let room = Fresh.id("cli")
        try await mentor.createRoom(room, visibility: "org")
        try await student.join(room)
        try await student.expectError("message_blocked", to: ["type": "send", "room": room, "text": "you are an idiot", "client_msg_id": "c1"])
        let (status, output) = try await ServerProcess.runCLI(
            ["audit", "--org", org], dbPath: server.config.sqlitePath, workingDirectory: server.directory,
            extra: server.storeEnvironment)
        XCTAssertEqual(status, 0)
        let records = output.split(separator: "\n").compactMap { JSON.parse(String($0)) }
        XCTAssertEqual(records.compactMap { $0["action"]?.string }, ["block", "member_add", "room_create"], output)
        XCTAssertEqual(records.first?["room"]?.string, room)
    }
}

/// `realtime-server audit verify` against a real database file that someone edited.
final class AuditVerifyConformanceTests: ConformanceTestCase {
    func testVerifyFindsAnEditedEntry() async throws {
        try skipOnPostgres("edits the SQLite file directly")
        let org = self.org!
        let admin = try await user("boss", "admin")
        _ = try await user("troll")
        try await admin.require("ok", ["type": "ban", "user": "troll"])
        try await admin.require("ok", ["type": "ban", "user": "troll", "on": false])
        try await admin.require("ok", ["type": "ban", "user": "troll"])

        let (status, output) = try await ServerProcess.runCLI(
            ["audit", "verify", "--org", org], dbPath: server.config.sqlitePath, workingDirectory: server.directory)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("\(org): ok, 3 entries, head "), output)

        // Someone with access to the file rewrites history: the unban never happened.
        let database = try DatabaseQueue(path: server.config.sqlitePath)
        try await database.write { db in
            try db.execute(sql: "UPDATE audit_log SET action = 'ban' WHERE org = ? AND seq = 2", arguments: [org])
        }
        try database.close()
        let (tampered, report) = try await ServerProcess.runCLI(
            ["audit", "verify", "--org", org], dbPath: server.config.sqlitePath, workingDirectory: server.directory)
        XCTAssertEqual(tampered, 1)
        XCTAssertTrue(report.contains("BROKEN at entry 2"), report)
    }
}
