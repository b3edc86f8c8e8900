import Broker
import Outbound

/// The bytes a `ClusterEvent` travels as between nodes: compact, versioned, length-prefixed.
///
///     version u8 (1) · kind u8 · origin str · org str · body
///
/// `str` and frame payloads are a LEB128 length then the bytes (strings UTF-8); integers are
/// zigzag LEB128; a frame is a flags byte (0 text, 1 binary) then its length and bytes, and a room
/// event without a frame has the flags byte 2 and nothing after it. A new field
/// or case means a new version: a node drops versions it does not know (counted), so upgrade the
/// readers of a cluster before its writers.
///
/// Decoding is strict and bounds-checked: truncation, a length past the end or over the limits,
/// an unknown kind, invalid UTF-8, a non-canonical integer or bool, or trailing bytes all throw;
/// nothing traps. So whatever decodes re-encodes to the same bytes.
public enum ClusterEventCodec {
    public static let version: UInt8 = 1
    /// Longest frame payload accepted (a client frame is at most `max_frame_bytes`, 64 KiB by default).
    public static let maxFrameBytes = 16 << 20
    /// Longest string accepted (ids, names, reasons).
    public static let maxStringBytes = 1 << 20

    public enum DecodeError: Error, Equatable, Sendable {
        case truncated
        case unknownVersion(UInt8)
        case unknownKind(UInt8)
        case unknownChange(UInt8)
        case oversized
        case invalidUTF8
        case invalidValue
        case trailingBytes
    }

    /// The flags byte of a room event without a frame (membership changes push nothing).
    static let noFrame: UInt8 = 2

    enum Kind: UInt8 {
        case room = 1, presenceSnapshot, presence, user, closeUser, mute, review, score, heartbeat, syncRequest, closeSession, userErased, sessionsQuery, sessions
    }

    // MARK: Encoding

    /// Appends the encoded event to `buffer` (the frame's bytes are copied once, into it).
    public static func encode(_ event: ClusterEvent, into buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + estimatedSize(event))
        buffer.append(version)
        switch event.body {
        case .room: buffer.append(Kind.room.rawValue)
        case .presenceSnapshot: buffer.append(Kind.presenceSnapshot.rawValue)
        case .presence: buffer.append(Kind.presence.rawValue)
        case .user: buffer.append(Kind.user.rawValue)
        case .closeUser: buffer.append(Kind.closeUser.rawValue)
        case .closeSession: buffer.append(Kind.closeSession.rawValue)
        case .mute: buffer.append(Kind.mute.rawValue)
        case .review: buffer.append(Kind.review.rawValue)
        case .score: buffer.append(Kind.score.rawValue)
        case .userErased: buffer.append(Kind.userErased.rawValue)
        case .sessionsQuery: buffer.append(Kind.sessionsQuery.rawValue)
        case .sessions: buffer.append(Kind.sessions.rawValue)
        case .heartbeat: buffer.append(Kind.heartbeat.rawValue)
        case .syncRequest: buffer.append(Kind.syncRequest.rawValue)
        }
        putString(event.origin, &buffer)
        putString(event.org, &buffer)
        switch event.body {
        case .room(let room, let change, let frame):
            putString(room, &buffer)
            switch change {
            case .none:
                buffer.append(0)
            case .message(let seq):
                buffer.append(1)
                putInt(seq, &buffer)
            case .typing(let user):
                buffer.append(2)
                putString(user, &buffer)
            case .read(let user, let seq):
                buffer.append(3)
                putString(user, &buffer)
                putInt(seq, &buffer)
            case .memberAdded(let user):
                buffer.append(4)
                putString(user, &buffer)
            case .memberRemoved(let user, let kicked):
                buffer.append(5)
                putString(user, &buffer)
                buffer.append(kicked ? 1 : 0)
            case .retitled(let title):
                buffer.append(6)
                putString(title, &buffer)
            case .archived(let at):
                buffer.append(7)
                putInt(at ?? 0, &buffer)
            }
            if let frame { putFrame(frame, &buffer) } else { buffer.append(Self.noFrame) }
        case .presenceSnapshot(let online):
            putUInt(UInt64(online.count), &buffer)
            for user in online { putString(user, &buffer) }
        case .presence(let user, let online, let lastSeen):
            putString(user, &buffer)
            buffer.append(online ? 1 : 0)
            putInt(lastSeen, &buffer)
        case .user(let user, let frame):
            putString(user, &buffer)
            putFrame(frame, &buffer)
        case .closeUser(let user, let code, let reason):
            putString(user, &buffer)
            putUInt(UInt64(code), &buffer)
            putString(reason, &buffer)
        case .closeSession(let user, let session, let code, let reason):
            putString(user, &buffer)
            putString(session, &buffer)
            putUInt(UInt64(code), &buffer)
            putString(reason, &buffer)
        case .mute(let room, let user, let until):
            putString(room, &buffer)
            putString(user, &buffer)
            putInt(until, &buffer)
        case .review(let msgID, let deadline, let frame):
            putString(msgID, &buffer)
            putInt(deadline, &buffer)
            putFrame(frame, &buffer)
        case .score(let room, let period, let user, let name, let points):
            putString(room, &buffer)
            putString(period, &buffer)
            putString(user, &buffer)
            putString(name, &buffer)
            putInt(Int64(points), &buffer)
        case .userErased(let user):
            putString(user, &buffer)
        case .sessionsQuery(let requestID, let user):
            putString(requestID, &buffer)
            putString(user, &buffer)
        case .sessions(let requestID, let user, let sessions):
            putString(requestID, &buffer)
            putString(user, &buffer)
            putUInt(UInt64(sessions.count), &buffer)
            for session in sessions {
                putString(session.id, &buffer)
                putInt(session.connectedAt, &buffer)
                putString(session.address, &buffer)
            }
        case .heartbeat, .syncRequest:
            break
        }
    }

    public static func encode(_ event: ClusterEvent) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(event, into: &buffer)
        return buffer
    }

    /// Enough for the header, the strings and the frame (a guess for reserving, not a limit).
    static func estimatedSize(_ event: ClusterEvent) -> Int {
        let header = 2 + 10 + event.origin.utf8.count + event.org.utf8.count
        switch event.body {
        case .room(let room, _, let frame): return header + room.utf8.count + 64 + (frame?.count ?? 0)
        case .user(let user, let frame): return header + user.utf8.count + 16 + frame.count
        case .review(let msgID, _, let frame): return header + msgID.utf8.count + 24 + frame.count
        case .presenceSnapshot(let online): return header + online.reduce(10) { $0 + $1.utf8.count + 2 }
        default: return header + 96
        }
    }

    private static func putUInt(_ value: UInt64, _ buffer: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.append(UInt8(value))
    }

    private static func putInt(_ value: Int64, _ buffer: inout [UInt8]) {
        putUInt(UInt64(bitPattern: (value << 1) ^ (value >> 63)), &buffer)
    }

    private static func putString(_ value: String, _ buffer: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            putUInt(UInt64(utf8.count), &buffer)
            buffer.append(contentsOf: utf8)
        }
    }

    private static func putFrame(_ frame: SharedFrame, _ buffer: inout [UInt8]) {
        buffer.append(frame.isBinary ? 1 : 0)
        putUInt(UInt64(frame.count), &buffer)
        buffer.append(contentsOf: frame.bytes)
    }

    // MARK: Decoding

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> ClusterEvent {
        var reader = Reader(bytes)
        let event = try decodeEvent(&reader)
        guard reader.isAtEnd else { throw .trailingBytes }
        return event
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> ClusterEvent {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(DecodeError) -> ClusterEvent in try decode(raw) } }
        return try result.get()
    }

    /// Whether a payload of a known version names `origin` (UTF-8) as its origin: lets a node skip
    /// its own events before decoding them.
    public static func hasOrigin(_ bytes: UnsafeRawBufferPointer, _ origin: [UInt8]) -> Bool {
        var reader = Reader(bytes)
        guard (try? reader.byte()) == version, (try? reader.byte()) != nil,
              let length = try? reader.length(limit: maxStringBytes), let slice = try? reader.take(length)
        else { return false }
        return slice.elementsEqual(origin)
    }

    private static func decodeEvent(_ reader: inout Reader) throws(DecodeError) -> ClusterEvent {
        let foundVersion = try reader.byte()
        guard foundVersion == version else { throw .unknownVersion(foundVersion) }
        let kindByte = try reader.byte()
        guard let kind = Kind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        let origin = try reader.string()
        let org = try reader.string()
        let body: ClusterEvent.Body
        switch kind {
        case .room:
            let room = try reader.string()
            let changeTag = try reader.byte()
            let change: RoomChange
            switch changeTag {
            case 0: change = .none
            case 1: change = .message(seq: try reader.int())
            case 2: change = .typing(user: try reader.string())
            case 3:
                let user = try reader.string()
                change = .read(user: user, seq: try reader.int())
            case 4: change = .memberAdded(user: try reader.string())
            case 5:
                let user = try reader.string()
                change = .memberRemoved(user: user, kicked: try reader.bool())
            case 6: change = .retitled(title: try reader.string())
            case 7:
                let at = try reader.int()
                change = .archived(at: at == 0 ? nil : at)
            default: throw .unknownChange(changeTag)
            }
            body = .room(room: room, change: change, frame: try reader.frame(optional: true))
        case .presenceSnapshot:
            // Each entry takes at least one byte: a count beyond the rest is a lie, not a reservation.
            let count = try reader.length(limit: reader.remaining)
            var online: [String] = []
            online.reserveCapacity(count)
            for _ in 0..<count { online.append(try reader.string()) }
            body = .presenceSnapshot(online: online)
        case .presence:
            let user = try reader.string()
            let online = try reader.bool()
            body = .presence(user: user, online: online, lastSeen: try reader.int())
        case .user:
            let user = try reader.string()
            body = .user(user: user, frame: try reader.frame())
        case .closeUser:
            let user = try reader.string()
            let code = try reader.uint()
            guard code <= UInt64(UInt16.max) else { throw .invalidValue }
            body = .closeUser(user: user, code: UInt16(code), reason: try reader.string())
        case .closeSession:
            let user = try reader.string()
            let session = try reader.string()
            let code = try reader.uint()
            guard code <= UInt64(UInt16.max) else { throw .invalidValue }
            body = .closeSession(user: user, session: session, code: UInt16(code), reason: try reader.string())
        case .mute:
            let room = try reader.string()
            let user = try reader.string()
            body = .mute(room: room, user: user, until: try reader.int())
        case .review:
            let msgID = try reader.string()
            let deadline = try reader.int()
            body = .review(msgID: msgID, deadline: deadline, frame: try reader.frame())
        case .score:
            let room = try reader.string()
            let period = try reader.string()
            let user = try reader.string()
            let name = try reader.string()
            guard let points = Int(exactly: try reader.int()) else { throw .invalidValue }
            body = .score(room: room, period: period, user: user, name: name, points: points)
        case .userErased: body = .userErased(user: try reader.string())
        case .sessionsQuery:
            let requestID = try reader.string()
            body = .sessionsQuery(requestID: requestID, user: try reader.string())
        case .sessions:
            let requestID = try reader.string()
            let user = try reader.string()
            // Each session takes at least three bytes: a count beyond the rest is a lie, not a reservation.
            let count = try reader.length(limit: reader.remaining / 3)
            var sessions: [RemoteSession] = []
            sessions.reserveCapacity(count)
            for _ in 0..<count {
                let id = try reader.string()
                let connectedAt = try reader.int()
                sessions.append(RemoteSession(id: id, connectedAt: connectedAt, address: try reader.string()))
            }
            body = .sessions(requestID: requestID, user: user, sessions: sessions)
        case .heartbeat: body = .heartbeat
        case .syncRequest: body = .syncRequest
        }
        return ClusterEvent(origin: origin, org: org, body: body)
    }

    /// A bounds-checked cursor over the payload.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var remaining: Int { bytes.count - offset }
        var isAtEnd: Bool { offset == bytes.count }

        mutating func byte() throws(DecodeError) -> UInt8 {
            guard offset < bytes.count else { throw .truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func uint() throws(DecodeError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                // The tenth byte may carry only the top bit of 64.
                if shift == 63, next > 1 { throw .invalidValue }
                value |= UInt64(next & 0x7F) << shift
                if next & 0x80 == 0 {
                    // Canonical only: a last byte of 0 after others is an overlong encoding.
                    if next == 0, shift > 0 { throw .invalidValue }
                    return value
                }
                shift += 7
                if shift > 63 { throw .invalidValue }
            }
        }

        mutating func int() throws(DecodeError) -> Int64 {
            let raw = try uint()
            return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        }

        mutating func bool() throws(DecodeError) -> Bool {
            switch try byte() {
            case 0: return false
            case 1: return true
            default: throw .invalidValue
            }
        }

        /// A length that must fit both `limit` and the bytes left.
        mutating func length(limit: Int) throws(DecodeError) -> Int {
            let raw = try uint()
            guard raw <= UInt64(limit) else { throw .oversized }
            let length = Int(raw)
            guard length <= remaining else { throw .truncated }
            return length
        }

        mutating func take(_ count: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
            guard count >= 0, count <= remaining else { throw .truncated }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        }

        mutating func string() throws(DecodeError) -> String {
            let slice = try take(try length(limit: ClusterEventCodec.maxStringBytes))
            guard let text = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8 }
            return text
        }

        mutating func frame() throws(DecodeError) -> SharedFrame {
            guard let frame = try frame(optional: false) else { throw .invalidValue }
            return frame
        }

        /// A frame, or (where `optional`) none.
        mutating func frame(optional: Bool) throws(DecodeError) -> SharedFrame? {
            let flags = try byte()
            if optional, flags == ClusterEventCodec.noFrame { return nil }
            guard flags <= 1 else { throw .invalidValue }
            let slice = try take(try length(limit: ClusterEventCodec.maxFrameBytes))
            return SharedFrame(bytes: slice, isBinary: flags == 1)
        }
    }
}
