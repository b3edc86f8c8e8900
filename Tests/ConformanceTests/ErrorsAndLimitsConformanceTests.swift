import Configuration
import XCTest

/// PROTOCOL.md § Errors and limits, with the protocol's default rate limits.
final class ErrorsAndLimitsConformanceTests: ConformanceTestCase {
    override class var configure: @Sendable (inout ServerConfig) -> Void {
        { config in
            config.sendRate = 5
            config.sendBurst = 10
            config.frameRate = 50
            config.frameBurst = 100
        }
    }

    private func joinedMentor(_ id: String = "mentor") async throws -> (TestClient, String) {
        let room = Fresh.id("room")
        let client = try await user(id, "mentor")
        try await client.createRoom(room, visibility: "org")
        try await client.join(room)
        return (client, room)
    }

    /// Sends `count` frames built by `make` back to back, then collects the replies by `re`.
    private func burst(_ client: TestClient, count: Int, _ make: (Int) -> [String: Any]) async throws -> [JSON] {
        var ids: [String] = []
        for n in 0..<count {
            var object = make(n)
            let id = "burst-\(n)"
            object["id"] = id
            ids.append(id)
            try await client.send(json: object)
        }
        var replies: [JSON] = []
        for id in ids {
            replies.append(try await client.next(timeout: .seconds(3), "reply \(id)") { $0["re"]?.string == id })
        }
        return replies
    }

    func testPingGetsPongWithRe() async throws {
        let client = try await user("u1")
        let pong = try await client.request(["type": "ping", "id": "ping-1"])
        XCTAssertEqual(pong.type, "pong")
        XCTAssertEqual(pong["re"]?.string, "ping-1")
    }

    func testSendsOverThePerUserRateAreRateLimitedWithRetryAfter() async throws {
        let (client, room) = try await joinedMentor()
        let replies = try await burst(client, count: 20) { ["type": "send", "room": room, "text": "m\($0)", "client_msg_id": "c\($0)"] }
        let acks = replies.filter { $0.type == "ack" }
        let limited = replies.filter { $0.type == "error" && $0["code"]?.string == "rate_limited" }
        XCTAssertGreaterThanOrEqual(acks.count, 10, "the burst of 10 passes")
        XCTAssertFalse(limited.isEmpty, "20 sends at once exceed 5/s burst 10: \(replies.map { $0.type ?? "?" })")
        for error in limited {
            XCTAssertGreaterThan(error["retry_after_ms"]?.int ?? 0, 0, "rate_limited carries retry_after_ms: \(error)")
        }
        XCTAssertEqual(acks.count + limited.count, 20, "\(replies)")
    }

    func testSendRateIsPerUserAcrossSessions() async throws {
        let (first, room) = try await joinedMentor()
        let second = try await user("mentor", "mentor")
        try await second.join(room)
        let replies = try await burst(first, count: 14) { ["type": "send", "room": room, "text": "m\($0)", "client_msg_id": "a\($0)"] }
        XCTAssertTrue(replies.contains { $0["code"]?.string == "rate_limited" })
        let reply = try await second.request(["type": "send", "room": room, "text": "other session", "client_msg_id": "b1"])
        XCTAssertEqual(reply["code"]?.string, "rate_limited", "the send bucket is per user, not per connection: \(reply)")
    }

    func testFramesOverThePerConnectionRateAreRateLimited() async throws {
        let client = try await user("u1")
        let replies = try await burst(client, count: 120) { _ in ["type": "ping"] }
        let limited = replies.filter { $0["code"]?.string == "rate_limited" }
        XCTAssertFalse(limited.isEmpty, "120 frames at once exceed 50/s burst 100")
        // The bucket counts from the first frame: `auth` took one of the 100.
        XCTAssertGreaterThanOrEqual(replies.filter { $0.type == "pong" }.count, 99)
    }

    func testMoreThan50RateLimitedRepliesCloseWith4008() async throws {
        // Paced: each send waits for its reply, so the close is not racing unread input.
        let (client, room) = try await joinedMentor()
        var limited = 0
        for n in 0..<80 {
            guard let reply = try? await client.request(["type": "send", "room": room, "text": "spam \(n)", "client_msg_id": "c\(n)"]) else { break }
            if reply["code"]?.string == "rate_limited" { limited += 1 }
        }
        let info = try await client.closeInfo(timeout: .seconds(3))
        XCTAssertEqual(info.code, 4008, "\(info)")
        XCTAssertTrue((50...51).contains(limited), "closed once more than 50 rate_limited were due, not before or long after: \(limited)")
        // The close is in the org's audit trail (written just after it).
        let admin = try await server.token(user: "boss", org: org, role: "admin")
        var closes: [JSON] = []
        for _ in 0..<20 where closes.isEmpty {
            let trail = try await RawHTTP.get(
                port: server.port, path: "/v1/audit?limit=50", headers: [("Authorization", "Bearer \(admin)")])
            closes = JSON.parse(trail.body)?["records"]?.array?.filter { $0["action"]?.string == "rate_limit_close" } ?? []
            if closes.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertEqual(closes.first?["subject"]?.string, "mentor")
    }

    func testRateLimitAbuseBurstClosesWith4008() async throws {
        // Burst: the client keeps writing while the server decides to close.
        let (info, limited) = try await abuseBurst()
        XCTAssertEqual(info.code, 4008, "\(info)")
        XCTAssertGreaterThan(limited, 50, "the close comes after more than 50 rate_limited replies")
    }

    /// RFC 6455 §5.5.1: after its close frame the server awaits the client's close reply. A client
    /// that is still writing when the close comes gets every reply, the close frame and a clean end
    /// (FIN, not a reset that would make its kernel drop what it has not read yet).
    func testClientStillWritingWhenTheServerClosesGetsEveryReplyTheCloseFrameAndACleanEnd() async throws {
        let room = Fresh.id("room")
        let mentor = try await user("raw-mentor", "mentor")
        try await mentor.createRoom(room, visibility: "org")
        let raw = try await RawWebSocket.connect(port: server.port)
        defer { raw.close() }
        try await raw.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "raw-mentor", org: org, role: "mentor")])
        let hello = try await raw.readJSON()
        XCTAssertEqual(hello?.type, "hello")
        try await raw.send(json: ["type": "join", "id": "j", "room": room])
        let joined = try await raw.readJSON()
        XCTAssertEqual(joined?.type, "joined")

        // 10 sends pass, 51 are rate limited, the 51st of those closes; 60 more are on their way.
        for n in 0..<120 {
            try await raw.send(json: ["type": "send", "id": "s\(n)", "room": room, "text": "flood \(n)", "client_msg_id": "raw-\(n)"])
        }
        var limited = 0
        while let reply = try await raw.readJSON(timeout: .seconds(5)) {
            if reply["code"]?.string == "rate_limited" { limited += 1 }
        }
        XCTAssertEqual(raw.lastClose?.closeCode, 4008, "the close frame arrives")
        XCTAssertEqual(limited, 51, "every reply before the close arrives")
        // A client may still send before it notices the close; then it answers the close.
        try await raw.send(json: ["type": "ping", "id": "late"])
        try await raw.send(opcode: 8, payload: [0x0F, 0xA8])
        let rest = try await raw.socket.readToEnd(timeout: .seconds(5))
        XCTAssertTrue(rest.isEmpty, "nothing follows the close frame")
        XCTAssertFalse(raw.socket.wasReset, "the server ends the connection with FIN, not a reset")
    }

    private func abuseBurst() async throws -> (CloseInfo, Int) {
        let (client, room) = try await joinedMentor()
        for n in 0..<120 {
            // The server may close mid-burst; later writes then fail, which is fine.
            do {
                try await client.send(json: ["type": "send", "id": "s\(n)", "room": room, "text": "spam \(n)", "client_msg_id": "c\(n)"])
            } catch { break }
        }
        let info = try await client.closeInfo(timeout: .seconds(5))
        return (info, await client.buffered().filter { $0["code"]?.string == "rate_limited" }.count)
    }

    func testErrorReplyShape() async throws {
        let client = try await user("u1")
        let error = try await client.request(["type": "join", "id": "e-1", "room": Fresh.id("missing")])
        XCTAssertEqual(error.type, "error")
        XCTAssertEqual(error["re"]?.string, "e-1")
        XCTAssertEqual(error["code"]?.string, "not_found")
        XCTAssertNotNil(error["message"]?.string, "error carries a message: \(error)")
    }

    // MARK: Heartbeat

    func testServerPingsAndClosesSilentConnections() async throws {
        try await withServer({ $0.heartbeatMS = 400 }) { server in
            let raw = try await RawWebSocket.connect(port: server.port)
            defer { raw.close() }
            XCTAssertEqual(raw.status, 101)
            try await raw.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "silent", org: org, role: "student")])
            let hello = try await raw.readJSON()
            XCTAssertEqual(hello?.type, "hello")
            XCTAssertEqual(hello?["heartbeat_ms"]?.int, 400)

            // A live client (WSClient answers pings) outlives 2.5 × heartbeat.
            let live = try await server.connectAuthed(user: "live", org: org, role: "student")

            var sawPing = false
            var ended = false
            let deadline = ContinuousClock.now + .seconds(6)
            while ContinuousClock.now < deadline {
                guard let frame = try? await raw.readFrame(timeout: .milliseconds(500)) else {
                    if raw.socket.reachedEOF { ended = true; break }
                    continue
                }
                if frame.opcode == 9 { sawPing = true }  // never answered: the connection is silent
                if frame.opcode == 8 { ended = true; break }
            }
            XCTAssertTrue(sawPing, "the server sends WebSocket pings every heartbeat_ms")
            XCTAssertTrue(ended, "a connection silent for 2.5 × heartbeat_ms is closed")

            let pong = try await live.request(["type": "ping"])
            XCTAssertEqual(pong.type, "pong", "a client that answers pings stays connected")
        }
    }

    // MARK: Slow consumers

    func testSlowConsumerIsClosedWith4009AndRecoversWithSince() async throws {
        let recoveryMax = 15
        try await withServer({
            $0.maxOutboundBytes = 64 * 1024
            $0.recoveryMax = recoveryMax
        }) { server in
            let room = Fresh.id("flood")
            let flooder = try await server.connectAuthed(user: "flooder", org: org, role: "mentor")
            try await flooder.createRoom(room, visibility: "org")
            try await flooder.join(room)

            // A reader with a tiny receive window that stops reading after joining.
            let slow = try await RawWebSocket.connect(port: server.port, receiveBuffer: 4096)
            defer { slow.close() }
            let token = try await server.token(user: "slow", org: org, role: "student")
            try await slow.send(json: ["type": "auth", "id": "a", "token": token])
            let hello = try await slow.readJSON()
            XCTAssertEqual(hello?.type, "hello")
            try await slow.send(json: ["type": "join", "id": "j", "room": room])
            let joinedSlow = try await slow.readJSON()
            XCTAssertEqual(joinedSlow?.type, "joined")

            let text = String(repeating: "x", count: 3900)
            // Enough to overflow (the 4009 comes after ~460 pushes here), few enough that the rest of the
            // flood fits in the 5 s the server waits to deliver a close, with a store that takes ~3 ms a send.
            let total = 1000
            var n = 0
            while n < total {
                let batch = min(5, total - n)
                var ids: [String] = []
                for _ in 0..<batch {
                    n += 1
                    let id = "f\(n)"
                    ids.append(id)
                    try await flooder.send(json: ["type": "send", "id": id, "room": room, "text": "\(n) \(text)", "client_msg_id": id])
                }
                for id in ids {
                    let ack = try await flooder.next(timeout: .seconds(5), "ack \(id)") { $0["re"]?.string == id }
                    XCTAssertEqual(ack.type, "ack", "\(ack)")
                }
                await flooder.drain()
            }

            // Now read what the slow client was sent: message pushes in order, then a 4009 close.
            var lastSeq = 0
            var closeCode: UInt16? = nil
            while let frame = try await slow.readFrame(timeout: .seconds(5)) {
                if frame.opcode == 8 {
                    closeCode = frame.closeCode
                    break
                }
                guard frame.opcode == 1, let json = JSON.parse(frame.text), json.type == "message", let seq = json.seq else { continue }
                XCTAssertEqual(seq, lastSeq + 1, "pushes before the close are in order without gaps")
                lastSeq = seq
            }
            XCTAssertEqual(closeCode, 4009, "the slow consumer is closed with 4009")
            XCTAssertLessThan(lastSeq, total, "the slow consumer could not have received everything")

            // It reconnects and recovers with since.
            let back = try await server.connectAuthed(user: "slow", org: org, role: "student")
            let joined = try await back.join(room, since: lastSeq)
            let missed = joined["missed"]?.array?.compactMap(\.seq) ?? []
            if total - lastSeq > recoveryMax {
                XCTAssertEqual(joined["recovered"]?.bool, false)
                // The latest messages, at most recovery_max of them and at most half of max_outbound_bytes in all.
                XCTAssertFalse(missed.isEmpty)
                XCTAssertLessThanOrEqual(missed.count, recoveryMax)
                XCTAssertEqual(missed, Array((total - missed.count + 1)...total))
                let older = try await back.require("history", ["type": "history", "room": room, "before": lastSeq + 2, "limit": 1])
                XCTAssertEqual(older["messages"]?.array?.compactMap(\.seq), [lastSeq + 1], "older missed messages via history")
            } else {
                XCTAssertEqual(joined["recovered"]?.bool, true)
                XCTAssertEqual(missed, Array((lastSeq + 1)...total))
            }
        }
    }

    // MARK: New connections per IP

    func testNewConnectionsOverThePerIPRateAreRefused() async throws {
        try await withServer({
            $0.connRatePerIP = 0.5
            $0.connBurstPerIP = 2
        }) { server in
            var statuses: [Int] = []
            for _ in 0..<5 {
                let raw = try await RawWebSocket.connect(port: server.port)
                statuses.append(raw.status)
                raw.close()
            }
            XCTAssertEqual(Array(statuses.prefix(2)), [101, 101], "the burst is admitted")
            XCTAssertTrue(statuses.dropFirst(2).contains { $0 != 101 }, "handshakes beyond the per-IP rate are refused: \(statuses)")
        }
    }
}
