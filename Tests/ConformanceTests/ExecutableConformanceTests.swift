import Foundation
import XCTest

/// PROTOCOL.md § Errors and limits (shutdown) and § Running it, against the real `realtime-server` executable.
final class ExecutableConformanceTests: XCTestCase {
    private var directory: URL!

    override func setUp() async throws {
        try await super.setUp()
        _ = try ServerProcess.binary()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
        try await super.tearDown()
    }

    private var dbPath: String { directory.appendingPathComponent("chat.sqlite").path }

    private func connect(_ server: ServerProcess, token: String, label: String) async throws -> TestClient {
        let client = try await TestClient.connect(port: server.port, label: label)
        try await client.send(json: ["type": "auth", "id": "auth", "token": token])
        let hello = try await client.next()
        guard hello.type == "hello" else { throw ConformanceError("\(label): expected hello, got \(hello)") }
        return client
    }

    func testSIGTERMClosesSessionsWith1001AndExitsZero() async throws {
        try await assertGracefulShutdown(on: SIGTERM, name: "SIGTERM")
    }

    func testSIGINTClosesSessionsWith1001AndExitsZero() async throws {
        try await assertGracefulShutdown(on: SIGINT, name: "SIGINT")
    }

    private func assertGracefulShutdown(on signal: Int32, name: String) async throws {
        let org = Fresh.id("org")
        let server = try await ServerProcess.start(dbPath: dbPath, workingDirectory: directory)
        defer { server.kill() }
        let token = try await ServerProcess.cliToken(sub: "cli-user", org: org, role: "mentor", dbPath: dbPath, workingDirectory: directory)
        let client = try await connect(server, token: token, label: "cli-user")
        let other = try await connect(server, token: token, label: "cli-user-2")

        server.send(signal: signal)
        let info = try await client.closeInfo(timeout: .seconds(10))
        XCTAssertEqual(info.code, 1001, "sessions are closed with 1001 going away: \(info)")
        let otherCode = try await other.closeCode(timeout: .seconds(10))
        XCTAssertEqual(otherCode, 1001)
        let status = try await server.waitForExit(timeout: .seconds(15))
        XCTAssertEqual(status, 0, "exit 0 after \(name); log:\n\(server.log.suffix(2000))")
    }

    func testMessagesSurviveARestart() async throws {
        let org = Fresh.id("org")
        let room = Fresh.id("room")
        let minterServer = try await ServerProcess.start(dbPath: dbPath, workingDirectory: directory)
        defer { minterServer.kill() }
        let token = try await ServerProcess.cliToken(sub: "keeper", org: org, role: "mentor", dbPath: dbPath, workingDirectory: directory)

        let first = try await connect(minterServer, token: token, label: "before restart")
        try await first.createRoom(room, title: "Persistent", visibility: "org")
        try await first.join(room)
        var ids: [String] = []
        for n in 1...3 { ids.append(try await first.say("kept \(n)", in: room)["msg_id"]?.string ?? "") }
        minterServer.terminate()
        let status = try await minterServer.waitForExit(timeout: .seconds(15))
        XCTAssertEqual(status, 0, "log:\n\(minterServer.log.suffix(2000))")

        let restarted = try await ServerProcess.start(dbPath: dbPath, workingDirectory: directory)
        defer { restarted.kill() }
        let second = try await connect(restarted, token: token, label: "after restart")
        let joined = try await second.join(room, since: 0)
        XCTAssertEqual(joined["room"]?["title"]?.string, "Persistent")
        XCTAssertEqual(joined["last_seq"]?.int, 3, "\(joined)")
        XCTAssertEqual(joined["missed"]?.array?.compactMap { $0["text"]?.string }, ["kept 1", "kept 2", "kept 3"])
        XCTAssertEqual(joined["missed"]?.array?.compactMap { $0["id"]?.string }, ids)
        let history = try await second.require("history", ["type": "history", "room": room])
        XCTAssertEqual(history["messages"]?.array?.compactMap(\.seq), [1, 2, 3])
        let ack = try await second.say("after restart", in: room)
        XCTAssertEqual(ack["seq"]?.int, 4, "seq continues after a restart")

        restarted.terminate()
        _ = try await restarted.waitForExit(timeout: .seconds(15))
    }

    func testEnvironmentVariablesOverrideProtocolSettings() async throws {
        let server = try await ServerProcess.start(dbPath: dbPath, workingDirectory: directory, extra: [
            "RTS_MAX_TEXT": "10", "RTS_MAX_FRAME_BYTES": "4096", "RTS_HEARTBEAT_MS": "7000",
            "RTS_ALLOWED_ORIGINS": "https://a.example,https://b.example",
        ])
        defer { server.kill() }
        let org = Fresh.id("org")
        let token = try await ServerProcess.cliToken(sub: "env-user", org: org, role: "mentor", dbPath: dbPath, workingDirectory: directory)

        let a = try await RawWebSocket.connect(port: server.port, headers: [("Origin", "https://a.example")])
        defer { a.close() }
        XCTAssertEqual(a.status, 101, "first of the comma-separated RTS_ALLOWED_ORIGINS")
        try await a.send(json: ["type": "auth", "id": "a", "token": token])
        let hello = try await a.readJSON()
        XCTAssertEqual(hello?.type, "hello")
        XCTAssertEqual(hello?["limits"]?["max_text"]?.int, 10, "RTS_MAX_TEXT: \(String(describing: hello))")
        XCTAssertEqual(hello?["limits"]?["max_frame_bytes"]?.int, 4096, "RTS_MAX_FRAME_BYTES")
        XCTAssertEqual(hello?["heartbeat_ms"]?.int, 7000, "RTS_HEARTBEAT_MS")

        let b = try await RawWebSocket.connect(port: server.port, headers: [("Origin", "https://b.example")])
        defer { b.close() }
        XCTAssertEqual(b.status, 101, "second of the comma-separated RTS_ALLOWED_ORIGINS")
        let c = try await RawWebSocket.connect(port: server.port, headers: [("Origin", "https://c.example")])
        defer { c.close() }
        XCTAssertEqual(c.status, 403)

        server.terminate()
        _ = try await server.waitForExit(timeout: .seconds(15))
    }
}
