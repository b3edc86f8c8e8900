import Configuration
import XCTest

/// PROTOCOL.md § Transport.
final class TransportConformanceTests: ConformanceTestCase {
    private func assertStillOpen(_ client: TestClient, file: StaticString = #filePath, line: UInt = #line) async throws {
        let pong = try await client.request(["type": "ping"])
        XCTAssertEqual(pong.type, "pong", "connection should stay usable", file: file, line: line)
    }

    // MARK: Handshake

    func testSubprotocolRtsV1IsAcceptedAndSelected() async throws {
        let raw = try await RawWebSocket.connect(port: server.port, headers: [("Sec-WebSocket-Protocol", "rts.v1")])
        defer { raw.close() }
        XCTAssertEqual(raw.status, 101)
        XCTAssertEqual(raw.headers["sec-websocket-protocol"], "rts.v1", "the offered rts.v1 must be selected")

        let client = try await server.connect(subprotocols: ["rts.v1"])
        try await client.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "u1", org: org, role: "student")])
        let hello = try await client.next()
        XCTAssertEqual(hello.type, "hello")
    }

    func testRtsV1OfferedAmongUnknownSubprotocolsIsSelected() async throws {
        let raw = try await RawWebSocket.connect(port: server.port, headers: [("Sec-WebSocket-Protocol", "chat.v9, rts.v1")])
        defer { raw.close() }
        XCTAssertEqual(raw.status, 101)
        XCTAssertEqual(raw.headers["sec-websocket-protocol"], "rts.v1")
    }

    func testNoSubprotocolGetsV1() async throws {
        let raw = try await RawWebSocket.connect(port: server.port)
        raw.close()
        XCTAssertEqual(raw.status, 101)

        let client = try await server.connect()
        try await client.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "u1", org: org, role: "student")])
        let hello = try await client.next()
        XCTAssertEqual(hello.type, "hello")
    }

    func testOnlyUnknownSubprotocolsAreRefusedWith403() async throws {
        let raw = try await RawWebSocket.connect(port: server.port, headers: [("Sec-WebSocket-Protocol", "chat.v9, mqtt")])
        defer { raw.close() }
        XCTAssertEqual(raw.status, 403)

        do {
            let client = try await server.connect(subprotocols: ["rts.v2"])
            await client.close()
            XCTFail("the WebSocket client connected despite offering only an unknown subprotocol")
        } catch {}
    }

    func testDisallowedOriginIsRefusedWith403() async throws {
        try await withServer({ $0.allowedOrigins = ["https://app.example"] }) { server in
            let evil = try await RawWebSocket.connect(port: server.port, headers: [("Origin", "https://evil.example")])
            defer { evil.close() }
            XCTAssertEqual(evil.status, 403, "an Origin outside allowed_origins must be refused")

            let good = try await RawWebSocket.connect(port: server.port, headers: [("Origin", "https://app.example")])
            defer { good.close() }
            XCTAssertEqual(good.status, 101, "an allowed Origin must be accepted")
        }
    }

    // MARK: Frames that are not valid requests

    func testBinaryFrameGetsBadRequestAndConnectionStaysOpen() async throws {
        let client = try await user("u1")
        try await client.sendBinary(Array(#"{"type":"ping","id":"bin"}"#.utf8))
        let error = try await client.next(type: "error")
        XCTAssertEqual(error["code"]?.string, "bad_request")
        try await assertStillOpen(client)
    }

    func testInvalidJSONGetsBadRequestAndConnectionStaysOpen() async throws {
        let client = try await user("u1")
        try await client.sendRaw("{\"type\": \"ping\", \"id\": ")
        let error = try await client.next(type: "error")
        XCTAssertEqual(error["code"]?.string, "bad_request")
        try await client.sendRaw("[1,2,3]")
        let notObject = try await client.next(type: "error")
        XCTAssertEqual(notObject["code"]?.string, "bad_request", "a JSON value that is not an object is a bad request")
        try await assertStillOpen(client)
    }

    func testMissingTypeGetsBadRequestWithRe() async throws {
        let client = try await user("u1")
        let error = try await client.request(["id": "no-type", "room": "x"])
        XCTAssertEqual(error.type, "error")
        XCTAssertEqual(error["code"]?.string, "bad_request")
        XCTAssertEqual(error["re"]?.string, "no-type")
        XCTAssertNotNil(error["message"]?.string, "errors carry a message")
        try await assertStillOpen(client)
    }

    func testUnknownTypeGetsBadRequestWithRe() async throws {
        let client = try await user("u1")
        let error = try await client.request(["type": "frobnicate", "id": "unknown-type"])
        XCTAssertEqual(error.type, "error")
        XCTAssertEqual(error["code"]?.string, "bad_request")
        XCTAssertEqual(error["re"]?.string, "unknown-type")
        try await assertStillOpen(client)
    }

    func testNonStringTypeGetsBadRequest() async throws {
        let client = try await user("u1")
        let error = try await client.request(["type": 7, "id": "numeric-type"])
        XCTAssertEqual(error.type, "error")
        XCTAssertEqual(error["code"]?.string, "bad_request")
        try await assertStillOpen(client)
    }

    func testMissingFieldGetsBadRequestWithRe() async throws {
        let client = try await user("u1")
        let error = try await client.request(["type": "join", "id": "join-without-room"])
        XCTAssertEqual(error.type, "error")
        XCTAssertEqual(error["code"]?.string, "bad_request")
        XCTAssertEqual(error["re"]?.string, "join-without-room")
        try await assertStillOpen(client)
    }

    func testMistypedFieldsGetBadRequestWithRe() async throws {
        let client = try await user("u1", "admin")
        let room = Fresh.id("room")
        try await client.createRoom(room)
        try await client.join(room)
        let cases: [[String: Any]] = [
            ["type": "join", "room": 42],
            ["type": "send", "room": room, "text": 5, "client_msg_id": "c1"],
            ["type": "send", "room": room, "text": "hi", "client_msg_id": ["c1"]],
            ["type": "history", "room": room, "limit": "ten"],
            ["type": "typing", "room": room, "on": "yes"],
            ["type": "join", "room": room, "since": "3"],
        ]
        for (index, object) in cases.enumerated() {
            var object = object
            object["id"] = "mistyped-\(index)"
            let error = try await client.request(object)
            XCTAssertEqual(error.type, "error", "\(object)")
            XCTAssertEqual(error["code"]?.string, "bad_request", "\(object) → \(error)")
            XCTAssertEqual(error["re"]?.string, "mistyped-\(index)", "\(object) → \(error)")
        }
        try await assertStillOpen(client)
    }

    func testRequestIdLongerThan64CharactersIsBadRequest() async throws {
        let client = try await user("u1")
        try await client.send(json: ["type": "ping", "id": String(repeating: "i", count: 65)])
        let reply = try await client.next(timeout: TestClient.defaultTimeout, "pong or error") { $0.type == "pong" || $0.type == "error" }
        XCTAssertEqual(reply.type, "error", "an id over 64 characters is a malformed field")
        XCTAssertEqual(reply["code"]?.string, "bad_request")
        try await assertStillOpen(client)
    }

    // MARK: Framing

    func testFragmentedMessageIsReassembled() async throws {
        let client = try await user("u1")
        try await client.sendFragmented(["{\"type\":", "\"ping\",\"id\"", ":\"fragmented\"}"])
        let pong = try await client.next(timeout: TestClient.defaultTimeout, "pong or error") { $0.type == "pong" || $0.type == "error" }
        XCTAssertEqual(pong.type, "pong")
        XCTAssertEqual(pong["re"]?.string, "fragmented")
    }

    func testFrameOfExactlyMaxFrameBytesIsAccepted() async throws {
        let client = try await user("u1")
        let start = #"{"type":"ping","id":"at-limit""#
        let padding = String(repeating: " ", count: server.config.maxFrameBytes - start.utf8.count - 1)
        let text = start + padding + "}"
        XCTAssertEqual(text.utf8.count, server.config.maxFrameBytes)
        try await client.sendRaw(text)
        let pong = try await client.next(timeout: TestClient.defaultTimeout, "pong or error") { $0.type == "pong" || $0.type == "error" }
        XCTAssertEqual(pong.type, "pong")
        XCTAssertEqual(pong["re"]?.string, "at-limit")
    }

    func testFrameOverMaxFrameBytesClosesWith1009() async throws {
        let client = try await user("u1")
        let start = #"{"type":"ping","id":"too-big""#
        try await client.sendRaw(start + String(repeating: " ", count: server.config.maxFrameBytes) + "}")
        let info = try await client.closeInfo()
        XCTAssertEqual(info.code, 1009, "\(info)")
    }

    func testFragmentedMessageOverMaxFrameBytesClosesWith1009() async throws {
        let client = try await user("u1")
        let chunk = String(repeating: " ", count: 30_000)
        try await client.sendFragmented([#"{"type":"ping","id":"too-big""#, chunk, chunk, chunk, "}"])
        let info = try await client.closeInfo()
        XCTAssertEqual(info.code, 1009, "the limit applies to the reassembled message: \(info)")
    }

    // MARK: Request ids

    func testRequestIdIsEchoedAsReAndPushesCarryNoRe() async throws {
        let alice = try await user("alice", "mentor")
        let bob = try await user("bob")
        let room = Fresh.id("room")
        let created = try await alice.request(["type": "room.create", "id": "create-1", "room": room, "title": "T", "visibility": "org", "members": []])
        XCTAssertEqual(created["re"]?.string, "create-1")
        let joined = try await alice.request(["type": "join", "id": "join-1", "room": room])
        XCTAssertEqual(joined["re"]?.string, "join-1")
        try await bob.join(room)

        let ack = try await alice.request(["type": "send", "id": "send-1", "room": room, "text": "hello", "client_msg_id": "c-1"])
        XCTAssertEqual(ack.type, "ack")
        XCTAssertEqual(ack["re"]?.string, "send-1")
        let ownPush = try await alice.nextMessage(in: room)
        XCTAssertTrue(ownPush["re"]?.isNull ?? true, "the sender's own message push is a push: no re")
        let push = try await bob.nextMessage(in: room)
        XCTAssertTrue(push["re"]?.isNull ?? true, "pushes carry no re")
    }

    func testRequestWithoutIdGetsReplyWithoutRe() async throws {
        let client = try await user("u1")
        try await client.send(json: ["type": "ping"])
        let pong = try await client.next(timeout: TestClient.defaultTimeout, "pong or error") { $0.type == "pong" || $0.type == "error" }
        XCTAssertEqual(pong.type, "pong")
        XCTAssertTrue(pong["re"]?.isNull ?? true, "no id, no re: \(pong)")
    }
}
