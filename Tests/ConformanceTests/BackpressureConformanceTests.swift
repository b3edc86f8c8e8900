import Configuration
import Foundation
import SeededRandom
import XCTest

/// PROTOCOL.md § Rooms and § Errors and limits, issue 11: replies the server chooses to send are cut
/// by bytes (half of `max_outbound_bytes`) and paged, never a reason to close the client; backlog a
/// client lets build up by not reading still is (4009). Default `max_outbound_bytes` (1 MiB).
final class BackpressureConformanceTests: XCTestCase {
    static let backlog = 300

    /// Ordinary Hebrew prose of about `bytes` (UTF-8), different for every `n`, so the spam stage
    /// (repeats, floods) has nothing to hold. 7000 bytes stay under `max_text` (4000 code points).
    static func hebrewText(_ n: Int, bytes: Int) -> String {
        let words = ["שלום", "תלמידים", "היום", "נלמד", "על", "שברים", "ומכנה", "משותף", "בבקשה", "לקרוא", "את", "הפרק",
                     "השלישי", "בספר", "ולפתור", "תרגילים", "מהעמוד", "הבא", "אם", "יש", "שאלות", "כתבו", "לי", "כאן", "תודה", "רבה"]
        var rng = SplitMix64(seed: UInt64(n) &* 7919)
        var text = "הודעה \(n):"
        var previous = ""
        while text.utf8.count < bytes {
            var word = rng.pick(words)
            while word == previous { word = rng.pick(words) }
            previous = word
            text += " " + word
        }
        return text
    }

    /// The mentor sends messages `text(n)` for `n` in `numbers` (ten in flight at a time); each must be delivered.
    private func fillRoom(_ room: String, by mentor: TestClient, numbers: ClosedRange<Int>, text: (Int) -> String) async throws {
        var n = numbers.lowerBound - 1
        while n < numbers.upperBound {
            var ids: [String] = []
            for _ in 0..<min(10, numbers.upperBound - n) {
                n += 1
                ids.append("b\(n)")
                try await mentor.send(json: ["type": "send", "id": "b\(n)", "room": room, "text": text(n), "client_msg_id": "b\(n)"])
            }
            for id in ids {
                let ack = try await mentor.next(timeout: .seconds(10), "ack \(id)") { $0["re"]?.string == id }
                guard ack.type == "ack", ack["status"]?.string == "delivered" else { throw ConformanceError("setup: \(id) → \(ack)") }
            }
            await mentor.drain()
        }
    }

    /// A room holding `count` messages of `bytes` each, and its epoch.
    private func bigRoom(_ server: TestServer, org: String, count: Int = backlog, bytes: Int = 3700) async throws -> (room: String, epoch: String?) {
        let room = Fresh.id("hebrew")
        let mentor = try await server.connectAuthed(user: "mentor", org: org, role: "mentor")
        try await mentor.createRoom(room, visibility: "org")
        let epoch = try await mentor.join(room)["epoch"]?.string
        try await fillRoom(room, by: mentor, numbers: 1...count) { Self.hebrewText($0, bytes: bytes) }
        return (room, epoch)
    }

    /// Sends `request` with `id` and returns the reply and its size on the wire; nil when the server
    /// closed the connection instead (the close frame is then in `lastClose`).
    private func exchange(_ socket: RawWebSocket, _ request: [String: Any], id: String) async throws -> (json: JSON, bytes: Int)? {
        var request = request
        request["id"] = id
        try await socket.send(json: request)
        while let message = try await socket.readMessage(timeout: .seconds(10)) {
            guard let json = JSON.parse(message.text), json["re"]?.string == id else { continue }
            return (json, message.payload.count)
        }
        return nil
    }

    private func rawClient(_ server: TestServer, user: String, org: String, receiveBuffer: Int? = nil) async throws -> RawWebSocket {
        let socket = try await RawWebSocket.connect(port: server.port, receiveBuffer: receiveBuffer)
        let token = try await server.token(user: user, org: org, role: "student")
        let hello = try await exchange(socket, ["type": "auth", "token": token], id: "auth")
        guard hello?.json.type == "hello" else { throw ConformanceError("\(user): no hello: \(String(describing: hello?.json))") }
        return socket
    }

    /// Pages `history` back from `before` (nil: the latest) with `limit` until `has_more` is false;
    /// every reply must arrive (no close) and fit in `maxBytes`. Returns the seqs, ascending.
    private func pageBack(_ socket: RawWebSocket, room: String, before start: Int?, limit: Int?, maxBytes: Int,
                          file: StaticString = #filePath, line: UInt = #line) async throws -> [Int] {
        var seqs: [Int] = []
        var before = start
        for page in 1... {
            var request: [String: Any] = ["type": "history", "room": room]
            if let before { request["before"] = before }
            if let limit { request["limit"] = limit }
            guard let reply = try await exchange(socket, request, id: "h\(page)") else {
                XCTFail("history page \(page) (before \(before.map(String.init) ?? "-")) closed the client: \(socket.lastClose?.closeCode.map(String.init) ?? "no close frame")", file: file, line: line)
                return seqs
            }
            XCTAssertEqual(reply.json.type, "history", "\(reply.json)", file: file, line: line)
            XCTAssertLessThanOrEqual(reply.bytes, maxBytes, "history page \(page) is cut to half of max_outbound_bytes", file: file, line: line)
            let pageSeqs = reply.json["messages"]?.array?.compactMap(\.seq) ?? []
            if let limit { XCTAssertLessThanOrEqual(pageSeqs.count, limit, file: file, line: line) }
            seqs = pageSeqs + seqs
            guard reply.json["has_more"]?.bool == true else { break }
            guard let first = pageSeqs.first else {
                XCTFail("history page \(page) is empty but says has_more", file: file, line: line)
                break
            }
            before = first
        }
        return seqs
    }

    /// `joined` after `since: 0` over the big room: cut by bytes, the latest that fit, the rest via `history`.
    private func checkRecovery(_ joined: (json: JSON, bytes: Int), reader: RawWebSocket, room: String, half: Int) async throws {
        XCTAssertEqual(joined.json.type, "joined", "\(joined.json)")
        XCTAssertEqual(joined.json["recovered"]?.bool, false, "not everything missed fits in one reply")
        XCTAssertEqual(joined.json["last_seq"]?.int, Self.backlog)
        XCTAssertLessThanOrEqual(joined.bytes, half, "joined is cut to half of max_outbound_bytes")
        let missed = joined.json["missed"]?.array?.compactMap(\.seq) ?? []
        XCTAssertFalse(missed.isEmpty, "missed holds the latest messages that fit")
        XCTAssertEqual(missed, missed.isEmpty ? [] : Array((Self.backlog - missed.count + 1)...Self.backlog), "the latest, in order")
        let perMessage = joined.bytes / max(missed.count, 1)
        XCTAssertGreaterThan(joined.bytes + 2 * perMessage, half, "missed holds as many of the latest messages as fit (\(missed.count), \(joined.bytes) bytes)")

        let older = try await pageBack(reader, room: room, before: missed.first, limit: nil, maxBytes: half)
        XCTAssertEqual(older + missed, Array(1...Self.backlog), "missed and the history pages hold every message once")
        print("BackpressureConformanceTests: joined \(joined.bytes) bytes with \(missed.count) missed; \(Self.backlog - missed.count) more via history")
    }

    func testJoinWithSinceOverABacklogLargerThanTheOutboundLimitIsAnsweredAndHistoryPagesThroughIt() async throws {
        try await withServer({ _ in }) { server in
            let org = Fresh.id("backlog")
            let half = server.config.maxOutboundBytes / 2
            let (room, epoch) = try await bigRoom(server, org: org)

            let reader = try await rawClient(server, user: "reader", org: org)
            defer { reader.close() }
            var join: [String: Any] = ["type": "join", "room": room, "since": 0]
            if let epoch { join["epoch"] = epoch }
            if let joined = try await exchange(reader, join, id: "join") {
                try await checkRecovery(joined, reader: reader, room: room, half: half)
            } else {
                XCTFail("join with since:0 closed the client (\(reader.lastClose?.closeCode.map(String.init) ?? "no close frame")) instead of answering joined")
            }

            // The same room paged from the latest with the largest limit (a fresh client: the join may have closed the first).
            let pager = try await rawClient(server, user: "pager", org: org)
            defer { pager.close() }
            let seqs = try await pageBack(pager, room: room, before: nil, limit: 100, maxBytes: half)
            XCTAssertEqual(seqs, Array(1...Self.backlog), "history with limit 100 pages through every message once")
        }
    }

    /// 80 messages near `max_text` (about 7 KB each, 575 KB together) are more than half of
    /// `max_outbound_bytes`: one `history` with limit 100 must be cut and say `has_more`.
    func testHistoryWithLimit100OverMessagesNearMaxTextIsCutByBytes() async throws {
        try await withServer({ _ in }) { server in
            let org = Fresh.id("backlog")
            let count = 80
            let (room, _) = try await bigRoom(server, org: org, count: count, bytes: 7000)
            let reader = try await rawClient(server, user: "reader", org: org)
            defer { reader.close() }
            let seqs = try await pageBack(reader, room: room, before: nil, limit: 100, maxBytes: server.config.maxOutboundBytes / 2)
            XCTAssertEqual(seqs, Array(1...count), "history pages hold every message once")
        }
    }

    /// What the transport has queued and not yet handed to the kernel (`/metrics`, updated about once a second).
    private static func queuedBytes(_ server: TestServer) async throws -> Double {
        let metrics = try await RawHTTP.get(port: server.port, path: "/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("rts_outbound_queue_bytes") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }

    func testAReaderThatStopsReadingIsStillClosedWith4009() async throws {
        try await withServer({ _ in }) { server in
            let org = Fresh.id("slow")
            let room = Fresh.id("flood")
            let mentor = try await server.connectAuthed(user: "mentor", org: org, role: "mentor")
            try await mentor.createRoom(room, visibility: "org")
            try await mentor.join(room)
            let fast = try await server.connectAuthed(user: "fast", org: org, role: "student")
            try await fast.join(room)

            // Joins, then never reads again: its backlog is what the server queues for it.
            let slow = try await rawClient(server, user: "slow", org: org, receiveBuffer: 4096)
            defer { slow.close() }
            let joined = try await exchange(slow, ["type": "join", "room": room], id: "join")
            XCTAssertEqual(joined?.json.type, "joined")

            // Filler the moderator screens quickly, until the server itself queues for the slow reader
            // (the kernel buffers in between, up to tcp_wmem, are full), then past max_outbound_bytes;
            // then read at once: a close frame waits only a few seconds for a reader to reach it.
            let filler = String(repeating: "x", count: 3990)
            var total = 0
            while total < 4000, try await Self.queuedBytes(server) < 256 * 1024 {
                try await fillRoom(room, by: mentor, numbers: (total + 1)...(total + 50)) { "\($0) \(filler)" }
                total += 50
            }
            let pastLimit = server.config.maxOutboundBytes / 4000 + 50
            try await fillRoom(room, by: mentor, numbers: (total + 1)...(total + pastLimit)) { "\($0) \(filler)" }
            total += pastLimit

            let (seqs, closeCode) = await slow.messageSeqsUntilClose()
            let lastSeq = seqs.last ?? 0
            XCTAssertEqual(seqs, seqs.indices.map { $0 + 1 }, "pushes before the close are in order without gaps")
            XCTAssertEqual(closeCode, 4009, "a reader that lets its backlog grow past max_outbound_bytes is closed as a slow consumer")
            XCTAssertLessThan(lastSeq, total, "it cannot have received everything")
            print("BackpressureConformanceTests: the slow reader got \(lastSeq) of \(total) pushes before 4009")

            // Everyone else got every message, in order.
            var received: [Int] = []
            while received.count < total {
                received.append(try await fast.next(type: "message", timeout: .seconds(10)).seq ?? -1)
            }
            XCTAssertEqual(received, Array(1...total))
        }
    }
}
