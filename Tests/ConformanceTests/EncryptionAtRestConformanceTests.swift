import Auth
import Foundation
import XCTest

/// Encryption at rest (issue 13), against the real executable and its SQLite file: message text,
/// names and titles never reach the database file or its WAL in plaintext; `keys rotate` re-seals
/// online, plaintext from before encryption included; backups are sealed and refuse tampering.
final class EncryptionAtRestConformanceTests: XCTestCase {
    private static let keyOne = "k1:" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
    private static let keyTwo = "k2:" + Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()

    private var directory: URL!
    private var dbPath: String { directory.appendingPathComponent("chat.sqlite").path }
    private let org = Fresh.id("enc")
    private let room = Fresh.id("secret-room")

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-encryption-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func start(keys: String?) async throws -> ServerProcess {
        try await ServerProcess.start(dbPath: dbPath, workingDirectory: directory, extra: keys.map { ["RTS_ENCRYPTION_KEYS": $0] } ?? [:])
    }

    /// Stops the server the way an operator does (SIGTERM), so it checkpoints and closes the file.
    private func stop(_ server: ServerProcess) async throws {
        server.terminate()
        let status = try await server.waitForExit(timeout: .seconds(20))
        XCTAssertEqual(status, 0, server.log)
    }

    private func cli(_ arguments: [String], keys: String?) async throws -> (status: Int32, output: String) {
        try await ServerProcess.runCLI(arguments, dbPath: dbPath, workingDirectory: directory, extra: keys.map { ["RTS_ENCRYPTION_KEYS": $0] } ?? [:])
    }

    private func client(_ server: ServerProcess, user: String, name: String, role: String = "mentor") async throws -> TestClient {
        let token = try await TokenMinter(hmacSecret: TestServer.secret).mint(sub: user, org: org, role: role, name: name)
        let client = try await TestClient.connect(port: server.port, label: user)
        try await client.send(json: ["type": "auth", "id": "auth", "token": token])
        let hello = try await client.next()
        guard hello.type == "hello" else { throw ConformanceError("\(user): expected hello, got \(hello)") }
        return client
    }

    private func texts(on server: ServerProcess) async throws -> [String] {
        let reader = try await client(server, user: "reader", name: "Reader")
        try await reader.join(room)
        let history = try await reader.require("history", ["type": "history", "room": room, "limit": 100])
        await reader.close()
        return history["messages"]?.array?.compactMap { $0["text"]?.string } ?? []
    }

    /// Whether `needle` occurs in the database file or its WAL.
    private func storedAnywhere(_ needle: String) throws -> Bool {
        try [dbPath, dbPath + "-wal"].contains { path in
            guard let bytes = FileManager.default.contents(atPath: path) else { return false }
            return bytes.range(of: Data(needle.utf8)) != nil
        }
    }

    func testSealedFieldsNeverReachTheFileAndRotationReSealsOnline() async throws {
        // Before encryption: plaintext, as any existing deployment has it.
        let plain = try await start(keys: nil)
        let mentor = try await client(plain, user: "mia", name: "Mia Canaryname")
        try await mentor.createRoom(room, title: "Canary Title", visibility: "org")
        try await mentor.join(room)
        try await mentor.say("legacy canary text", in: room)
        await mentor.close()
        try await stop(plain)
        XCTAssertTrue(try storedAnywhere("legacy canary text"), "the check must see plaintext where there is some")

        // Encryption on (k1): new text is sealed from the first write, old text still reads.
        let sealed = try await start(keys: Self.keyOne)
        let student = try await client(sealed, user: "sam", name: "Sam Secretname", role: "student")
        try await student.join(room)
        try await student.say("sealed canary one", in: room)
        await student.close()
        let readWithOne = try await texts(on: sealed)
        XCTAssertEqual(readWithOne, ["legacy canary text", "sealed canary one"])
        XCTAssertFalse(try storedAnywhere("sealed canary one"))
        XCTAssertFalse(try storedAnywhere("Sam Secretname"))
        XCTAssertTrue(try storedAnywhere(room), "ids are not sealed: the file is readable at all")
        try await stop(sealed)

        // Rotation to k2, online: the server runs with k2 current (k1 still listed) while `keys rotate` works.
        let rotating = try await start(keys: "\(Self.keyTwo),\(Self.keyOne)")
        let mentorAgain = try await client(rotating, user: "mia", name: "Mia Canaryname")
        try await mentorAgain.join(room)
        try await mentorAgain.say("sealed canary two", in: room)
        let (status, output) = try await cli(["keys", "rotate"], keys: "\(Self.keyTwo),\(Self.keyOne)")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("with key k2"), output)
        try await mentorAgain.say("sent while rotating finished", in: room)
        await mentorAgain.close()
        let readWhileRotated = try await texts(on: rotating)
        XCTAssertEqual(readWhileRotated, ["legacy canary text", "sealed canary one", "sealed canary two", "sent while rotating finished"])
        try await stop(rotating)

        // No plaintext left anywhere (secure_delete zeroed what was overwritten), and k2 alone reads everything.
        for canary in ["legacy canary text", "Canary Title", "Mia Canaryname", "sealed canary two"] {
            XCTAssertFalse(try storedAnywhere(canary), "'\(canary)' is still in the file or its WAL")
        }
        let onlyTwo = try await start(keys: Self.keyTwo)
        let readWithTwo = try await texts(on: onlyTwo)
        XCTAssertEqual(readWithTwo, ["legacy canary text", "sealed canary one", "sealed canary two", "sent while rotating finished"])
        let titled = try await client(onlyTwo, user: "mia", name: "Mia Canaryname")
        let joined = try await titled.join(room)
        XCTAssertEqual(joined["room"]?["title"]?.string, "Canary Title")
        await titled.close()
        try await stop(onlyTwo)

        // A second rotation finds nothing; without keys it refuses to run.
        let (again, againOutput) = try await cli(["keys", "rotate"], keys: Self.keyTwo)
        XCTAssertEqual(again, 0)
        XCTAssertTrue(againOutput.contains("re-sealed 0 rows"), againOutput)
        let (refused, _) = try await cli(["keys", "rotate"], keys: nil)
        XCTAssertEqual(refused, 1)
    }

    func testBadKeysStopTheServerAtStartWithTheReason() async throws {
        for (keys, reason) in [("k1:c2hvcnQ=", "32 bytes"), ("k1", "<id>:<base64 key>")] {
            do {
                let server = try await start(keys: keys)
                server.kill()
                XCTFail("started with RTS_ENCRYPTION_KEYS=\(keys)")
            } catch {
                XCTAssertTrue("\(error)".contains("encryption_keys") && "\(error)".contains(reason), "\(error)")
            }
        }
    }

    func testASealedBackupRestoresWithItsKeyAndRefusesTampering() async throws {
        let server = try await start(keys: Self.keyOne)
        let mentor = try await client(server, user: "mia", name: "Mia Canaryname")
        try await mentor.createRoom(room, title: "Canary Title", visibility: "org")
        try await mentor.join(room)
        for n in 1...3 { try await mentor.say("backup canary \(n)", in: room) }
        await mentor.close()
        let file = directory.appendingPathComponent("org.backup").path
        let (backedUp, _) = try await cli(["backup", "--org", org, file], keys: Self.keyOne)
        XCTAssertEqual(backedUp, 0)
        try await stop(server)
        let backup = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertFalse(backup.contains("backup canary") || backup.contains("Canary"), "a sealed backup holds no plaintext")
        XCTAssertTrue(backup.split(separator: "\n").first?.contains(#""sealed_with":"k1""#) == true)

        // Into an empty store whose keys include k1 (k2 now current): the same history.
        try FileManager.default.removeItem(atPath: dbPath)
        let (restored, _) = try await cli(["restore", file], keys: "\(Self.keyTwo),\(Self.keyOne)")
        XCTAssertEqual(restored, 0)
        let restoredServer = try await start(keys: "\(Self.keyTwo),\(Self.keyOne)")
        let restoredTexts = try await texts(on: restoredServer)
        XCTAssertEqual(restoredTexts, ["backup canary 1", "backup canary 2", "backup canary 3"])
        try await stop(restoredServer)

        // Refused: without k1; a changed line; lines swapped; the end cut off.
        let (withoutKey, _) = try await cli(["restore", "--replace", file], keys: Self.keyTwo)
        XCTAssertEqual(withoutKey, 1)
        var lines = backup.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        XCTAssertGreaterThan(lines.count, 4)
        let tampered = directory.appendingPathComponent("tampered.backup").path
        var changed = lines
        changed[2] = String(changed[2].dropLast(4)) + (changed[2].hasSuffix("AAAA") ? "BBBB" : "AAAA")
        var swapped = lines
        swapped.swapAt(1, 2)
        for (what, variant) in [("a changed line", changed), ("swapped lines", swapped), ("a cut-off end", Array(lines.dropLast()))] {
            try (variant.joined(separator: "\n") + "\n").write(toFile: tampered, atomically: true, encoding: .utf8)
            let (status, _) = try await cli(["restore", "--replace", tampered], keys: Self.keyOne)
            XCTAssertEqual(status, 1, "\(what) must be refused")
        }
    }
}
