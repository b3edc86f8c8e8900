import XCTest

/// PROTOCOL.md § Typing and presence (typing). Uses the protocol's fixed timings (6 s, 2 s).
final class TypingConformanceTests: ConformanceTestCase {
    private func pair() async throws -> (room: String, typist: TestClient, watcher: TestClient) {
        let room = Fresh.id("room")
        let typist = try await user("typist", "mentor")
        try await typist.createRoom(room, visibility: "org")
        try await typist.join(room)
        let watcher = try await user("watcher")
        try await watcher.join(room)
        return (room, typist, watcher)
    }

    private func typing(_ watcher: TestClient, _ room: String, on: Bool, timeout: Duration = TestClient.defaultTimeout) async throws -> JSON {
        try await watcher.nextPush("typing", in: room, timeout: timeout) { $0["on"]?.bool == on }
    }

    func testTypingReachesOtherSessionsButNotTheSender() async throws {
        let (room, typist, watcher) = try await pair()
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        let push = try await typing(watcher, room, on: true)
        XCTAssertEqual(push["user"]?.string, "typist")
        XCTAssertEqual(push["room"]?.string, room)
        await typist.expectNoMessage(within: .milliseconds(300), "own typing push") { $0.type == "typing" }

        try await typist.send(json: ["type": "typing", "room": room, "on": false])
        let off = try await typing(watcher, room, on: false)
        XCTAssertEqual(off["user"]?.string, "typist")
    }

    func testRepeatWithinTwoSecondsIsNotRebroadcast() async throws {
        let (room, typist, watcher) = try await pair()
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        _ = try await typing(watcher, room, on: true)
        try await Task.sleep(for: .milliseconds(300))
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        await watcher.expectNoMessage(within: .milliseconds(800), "re-broadcast typing") { $0.type == "typing" }
    }

    func testServerSendsTypingOffSixSecondsAfterLastOn() async throws {
        let (room, typist, watcher) = try await pair()
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        _ = try await typing(watcher, room, on: true)
        await watcher.expectNoMessage(within: .seconds(4), "typing off well before 6 s") { $0.type == "typing" }
        let off = try await typing(watcher, room, on: false, timeout: .seconds(4))
        XCTAssertEqual(off["user"]?.string, "typist")
    }

    func testDisconnectSendsTypingOff() async throws {
        let (room, typist, watcher) = try await pair()
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        _ = try await typing(watcher, room, on: true)
        await typist.close()
        let off = try await typing(watcher, room, on: false, timeout: .seconds(2))
        XCTAssertEqual(off["user"]?.string, "typist")
    }

    func testLeaveSendsTypingOff() async throws {
        let (room, typist, watcher) = try await pair()
        try await typist.send(json: ["type": "typing", "room": room, "on": true])
        _ = try await typing(watcher, room, on: true)
        try await typist.require("ok", ["type": "leave", "room": room])
        let off = try await typing(watcher, room, on: false, timeout: .seconds(2))
        XCTAssertEqual(off["user"]?.string, "typist")
    }

    func testTypingRequiresJoin() async throws {
        let (room, _, _) = try await pair()
        let outsider = try await user("outsider")
        let reply = try await outsider.request(["type": "typing", "room": room, "on": true])
        XCTAssertEqual(reply.type, "error", "typing in a room not joined: \(reply)")
    }
}
