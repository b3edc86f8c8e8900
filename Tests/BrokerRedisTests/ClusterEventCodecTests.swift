import Broker
import BrokerRedis
import Outbound
import SeededRandom
import XCTest

/// A comparable rendering of an event (frames by their bytes and kind, not their identity).
func render(_ event: ClusterEvent) -> String {
    func frame(_ f: SharedFrame) -> String { "frame(\(f.isBinary ? "bin" : "text"):\(Array(f.bytes)))" }
    let body: String
    switch event.body {
    case .room(let room, let change, let f): body = "room(\(room),\(change),\(f.map(frame) ?? "no frame"))"
    case .presenceSnapshot(let online): body = "snapshot(\(online))"
    case .presence(let user, let online, let lastSeen): body = "presence(\(user),\(online),\(lastSeen))"
    case .user(let user, let f): body = "user(\(user),\(frame(f)))"
    case .closeUser(let user, let code, let reason): body = "close(\(user),\(code),\(reason))"
    case .closeSession(let user, let session, let code, let reason): body = "closeSession(\(user),\(session),\(code),\(reason))"
    case .mute(let room, let user, let until): body = "mute(\(room),\(user),\(until))"
    case .review(let msgID, let deadline, let f): body = "review(\(msgID),\(deadline),\(frame(f)))"
    case .score(let room, let period, let user, let name, let points): body = "score(\(room),\(period),\(user),\(name),\(points))"
    case .userErased(let user): body = "erased(\(user))"
    case .sessionsQuery(let requestID, let user): body = "sessionsQuery(\(requestID),\(user))"
    case .sessions(let requestID, let user, let sessions): body = "sessions(\(requestID),\(user),\(sessions))"
    case .heartbeat: body = "heartbeat"
    case .syncRequest: body = "sync"
    }
    return "\(event.origin)|\(event.org)|\(body)"
}

/// One event of every body case (and every room change), with edge values.
func everyKindOfEvent() -> [ClusterEvent] {
    let text = SharedFrame(text: #"{"type":"message","text":"héllo ✓"}"#)
    let binary = SharedFrame([0, 1, 2, 255, 128], isBinary: true)
    let empty = SharedFrame([])
    let big = SharedFrame([UInt8](repeating: 0x61, count: 70_000))
    let changes: [RoomChange] = [
        .none, .message(seq: 1), .message(seq: Int64.max), .typing(user: "u-1"), .read(user: "u2", seq: 0),
        .memberAdded(user: "ünïcode"), .memberRemoved(user: "u3", kicked: true), .memberRemoved(user: "u4", kicked: false),
        .retitled(title: "Álgebra ✓"), .archived(at: 1_800_000_000_000), .archived(at: nil),
    ]
    var events = changes.map { ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "r1", change: $0, frame: text)) }
    events += [
        ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "", change: .message(seq: -5), frame: binary)),
        ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "r2", change: .none, frame: empty)),
        ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "r2", change: .memberAdded(user: "u5"), frame: nil)),
        ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "r2", change: .memberRemoved(user: "u5", kicked: true), frame: nil)),
        ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "r3", change: .message(seq: 42), frame: big)),
        ClusterEvent(origin: "n", org: "o", body: .presenceSnapshot(online: [])),
        ClusterEvent(origin: "n", org: "o", body: .presenceSnapshot(online: ["a", "", "c😀"])),
        ClusterEvent(origin: "n", org: "o", body: .presence(user: "u", online: true, lastSeen: 1_733_000_000_000)),
        ClusterEvent(origin: "n", org: "o", body: .presence(user: "u", online: false, lastSeen: Int64.min)),
        ClusterEvent(origin: "n", org: "o", body: .user(user: "u", frame: text)),
        ClusterEvent(origin: "n", org: "o", body: .closeUser(user: "u", code: 4003, reason: "banned")),
        ClusterEvent(origin: "n", org: "o", body: .closeUser(user: "u", code: UInt16.max, reason: "")),
        ClusterEvent(origin: "n", org: "o", body: .closeSession(user: "u", session: "node-a.7.x1y2", code: 4001, reason: "ended")),
        ClusterEvent(origin: "n", org: "o", body: .mute(room: "r", user: "u", until: 0)),
        ClusterEvent(origin: "n", org: "o", body: .mute(room: "r", user: "u", until: 1_800_000_000_000)),
        ClusterEvent(origin: "n", org: "o", body: .review(msgID: "m1", deadline: 60_000, frame: binary)),
        ClusterEvent(origin: "n", org: "o", body: .score(room: "", period: "2024-W49", user: "u", name: "Dana", points: -3)),
        ClusterEvent(origin: "n", org: "o", body: .score(room: "r", period: "all", user: "u", name: "", points: Int.max)),
        ClusterEvent(origin: "n", org: "o", body: .userErased(user: "u-ërased")),
        ClusterEvent(origin: "n", org: "o", body: .sessionsQuery(requestID: "q1", user: "u")),
        ClusterEvent(origin: "n", org: "o", body: .sessions(requestID: "q1", user: "u", sessions: [])),
        ClusterEvent(
            origin: "n", org: "o",
            body: .sessions(requestID: "q2", user: "u", sessions: [
                RemoteSession(id: "n.1.ab", connectedAt: 1_800_000_000_000, address: "10.0.0.1"), RemoteSession(id: "", connectedAt: -1, address: "::1"),
            ])),
        ClusterEvent(origin: "node-b", org: "", body: .heartbeat),
        ClusterEvent(origin: "node-b", org: "", body: .syncRequest),
    ]
    return events
}

final class ClusterEventCodecTests: XCTestCase {
    func testEveryCaseRoundTrips() throws {
        for event in everyKindOfEvent() {
            let bytes = ClusterEventCodec.encode(event)
            XCTAssertEqual(bytes.first, ClusterEventCodec.version)
            let decoded = try ClusterEventCodec.decode(bytes)
            XCTAssertEqual(render(decoded), render(event))
        }
    }

    func testFramesKeepTheirKindAndBytes() throws {
        let event = ClusterEvent(origin: "a", org: "o", body: .user(user: "u", frame: SharedFrame([9, 8, 7], isBinary: true)))
        guard case .user(_, let frame) = try ClusterEventCodec.decode(ClusterEventCodec.encode(event)).body else {
            return XCTFail("not a user event")
        }
        XCTAssertTrue(frame.isBinary)
        XCTAssertEqual(Array(frame.bytes), [9, 8, 7])
    }

    func testIsCompact() {
        let frame = SharedFrame([UInt8](repeating: 1, count: 200))
        let event = ClusterEvent(origin: "node-a", org: "acme", body: .room(room: "room-1", change: .message(seq: 123_456), frame: frame))
        // version, kind, 3 strings with 1-byte lengths, change tag + 3-byte seq, flags + 2-byte length, 200 bytes.
        XCTAssertEqual(ClusterEventCodec.encode(event).count, 2 + 7 + 5 + 7 + 1 + 3 + 1 + 2 + 200)
    }

    func testEveryTruncationIsRejected() {
        for event in everyKindOfEvent() {
            let bytes = ClusterEventCodec.encode(event)
            for length in 0..<bytes.count {
                XCTAssertThrowsError(try ClusterEventCodec.decode(Array(bytes[..<length])), "prefix \(length) of \(render(event).prefix(60))")
            }
        }
    }

    func testAFrameIsRequiredWhereTheBodyHasOne() {
        // A user event whose frame says "none" (flags 2).
        XCTAssertThrowsError(try ClusterEventCodec.decode([1, 4, 1, 0x61, 1, 0x6F, 1, 0x75, 2])) {
            XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .invalidValue)
        }
        // The same in a room event is a room event without a frame.
        let room = try? ClusterEventCodec.decode([1, 1, 1, 0x61, 1, 0x6F, 1, 0x72, 0, 2])
        XCTAssertEqual(room.map(render), "a|o|room(r,none,no frame)")
    }

    func testTrailingBytesAreRejected() {
        let bytes = ClusterEventCodec.encode(ClusterEvent(origin: "a", org: "o", body: .heartbeat)) + [0]
        XCTAssertThrowsError(try ClusterEventCodec.decode(bytes)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .trailingBytes) }
    }

    func testUnknownVersionKindAndChangeAreRejected() {
        var bytes = ClusterEventCodec.encode(ClusterEvent(origin: "a", org: "o", body: .heartbeat))
        bytes[0] = 2
        XCTAssertThrowsError(try ClusterEventCodec.decode(bytes)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .unknownVersion(2)) }
        bytes[0] = 1
        bytes[1] = 99
        XCTAssertThrowsError(try ClusterEventCodec.decode(bytes)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .unknownKind(99)) }
        // room "r", change tag 9.
        let room: [UInt8] = [1, 1, 1, 0x61, 1, 0x6F, 1, 0x72, 9, 0, 0]
        XCTAssertThrowsError(try ClusterEventCodec.decode(room)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .unknownChange(9)) }
    }

    func testOversizedAndLyingLengthsAreRejected() {
        // origin length 2^40: over the string limit.
        let huge: [UInt8] = [1, 9, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]
        XCTAssertThrowsError(try ClusterEventCodec.decode(huge)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .oversized) }
        // origin length 100 with 1 byte left.
        XCTAssertThrowsError(try ClusterEventCodec.decode([1, 9, 100, 0x61])) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .truncated) }
        // A varint longer than 64 bits.
        let endless: [UInt8] = [1, 9] + [UInt8](repeating: 0xFF, count: 11) + [0]
        XCTAssertThrowsError(try ClusterEventCodec.decode(endless)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .invalidValue) }
        // A snapshot claiming 2^32 users in a few bytes.
        let snapshot: [UInt8] = [1, 2, 1, 0x61, 1, 0x6F, 0x80, 0x80, 0x80, 0x80, 0x10, 0]
        XCTAssertThrowsError(try ClusterEventCodec.decode(snapshot)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .oversized) }
        // A frame of 2^30 bytes (over the frame limit) in a room event.
        let frame: [UInt8] = [1, 1, 1, 0x61, 1, 0x6F, 1, 0x72, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x04]
        XCTAssertThrowsError(try ClusterEventCodec.decode(frame)) { XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .oversized) }
        // Bools other than 0 and 1, close codes over UInt16, invalid UTF-8.
        XCTAssertThrowsError(try ClusterEventCodec.decode([1, 3, 1, 0x61, 1, 0x6F, 1, 0x75, 2, 0]))
        XCTAssertThrowsError(try ClusterEventCodec.decode([1, 5, 1, 0x61, 1, 0x6F, 1, 0x75, 0x80, 0x80, 0x04, 0]))
        XCTAssertThrowsError(try ClusterEventCodec.decode([1, 9, 2, 0xC3, 0x28, 0])) {
            XCTAssertEqual($0 as? ClusterEventCodec.DecodeError, .invalidUTF8)
        }
    }

    /// Seeded fuzz: random bytes, and valid encodings with bytes flipped, cut or spliced, must
    /// decode or throw, never trap; whatever decodes re-encodes to the same bytes.
    func testSeededFuzzNeverTraps() {
        let seed = UInt64(ProcessInfo.processInfo.environment["RTS_FUZZ_SEED"] ?? "") ?? 0xC0DEC
        var random = SplitMix64(seed: seed)
        let valid = everyKindOfEvent().map { ClusterEventCodec.encode($0) }.filter { $0.count < 2_000 }
        var decoded = 0
        var rejected = 0
        for iteration in 0..<50_000 {
            var bytes: [UInt8]
            switch iteration % 4 {
            case 0:
                bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if !bytes.isEmpty, random.chance(0.5) { bytes[0] = 1 }
            case 1:
                bytes = random.pick(valid)
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 2:
                bytes = random.pick(valid)
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            default:
                let a = random.pick(valid)
                let b = random.pick(valid)
                bytes = Array(a[..<Int.random(in: 0...a.count, using: &random)]) + Array(b[Int.random(in: 0...b.count, using: &random)...])
            }
            do {
                let event = try ClusterEventCodec.decode(bytes)
                decoded += 1
                XCTAssertEqual(ClusterEventCodec.encode(event), bytes, "seed \(seed) iteration \(iteration)")
            } catch {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 25_000, "seed \(seed)")
        XCTAssertGreaterThan(decoded, 0, "seed \(seed)")
    }
}
