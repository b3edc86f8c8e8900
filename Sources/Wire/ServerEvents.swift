/// Every frame the server sends, shaped as PROTOCOL.md writes them. `re` is the id of the
/// request a reply answers; pushes have none.

public protocol ServerEvent: Encodable, Sendable {}

public struct SessionUser: Encodable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    public var org: String

    public init(id: String, name: String, role: Role, org: String) {
        self.id = id
        self.name = name
        self.role = role
        self.org = org
    }
}

public struct Hello: ServerEvent {
    public struct Limits: Encodable, Sendable {
        public var maxText: Int
        public var maxFrameBytes: Int
        enum CodingKeys: String, CodingKey {
            case maxText = "max_text"
            case maxFrameBytes = "max_frame_bytes"
        }
    }

    public let type = "hello"
    public var re: String?
    public var session: String
    public var user: SessionUser
    public var heartbeatMS: Int
    public var limits: Limits

    enum CodingKeys: String, CodingKey {
        case type, re, session, user, limits
        case heartbeatMS = "heartbeat_ms"
    }

    public init(re: String?, session: String, user: SessionUser, heartbeatMS: Int, maxText: Int, maxFrameBytes: Int) {
        self.re = re
        self.session = session
        self.user = user
        self.heartbeatMS = heartbeatMS
        limits = Limits(maxText: maxText, maxFrameBytes: maxFrameBytes)
    }
}

public struct OK: ServerEvent {
    public let type = "ok"
    public var re: String?
    public init(re: String?) { self.re = re }
}

public struct Pong: ServerEvent {
    public let type = "pong"
    public var re: String?
    public init(re: String?) { self.re = re }
}

public struct ErrorEvent: ServerEvent {
    public let type = "error"
    public var re: String?
    public var code: ErrorCode
    public var message: String
    public var reason: String?
    public var retryAfterMS: Int?

    enum CodingKeys: String, CodingKey {
        case type, re, code, message, reason
        case retryAfterMS = "retry_after_ms"
    }

    public init(re: String?, error: RequestError) {
        self.re = re
        code = error.code
        message = error.message
        reason = error.reason
        retryAfterMS = error.retryAfterMS
    }
}

public struct RoomReply: ServerEvent {
    public let type = "room"
    public var re: String?
    public var room: RoomInfo
    public init(re: String?, room: RoomInfo) {
        self.re = re
        self.room = room
    }
}

/// One member's presence as listed in `joined` (`presence` pushes carry a subset).
public struct PresenceEntry: Codable, Sendable, Equatable {
    public var user: String
    public var name: String
    public var role: Role
    public var status: PresenceStatus
    public var lastSeen: Int64
    public var readSeq: Int64

    enum CodingKeys: String, CodingKey {
        case user, name, role, status
        case lastSeen = "last_seen"
        case readSeq = "read_seq"
    }

    public init(user: String, name: String, role: Role, status: PresenceStatus, lastSeen: Int64, readSeq: Int64) {
        self.user = user
        self.name = name
        self.role = role
        self.status = status
        self.lastSeen = lastSeen
        self.readSeq = readSeq
    }
}

public struct Joined: ServerEvent {
    public let type = "joined"
    public var re: String?
    public var room: RoomInfo
    public var lastSeq: Int64
    public var epoch: String
    public var presence: [PresenceEntry]
    public var missed: [ChatMessage]
    public var recovered: Bool

    enum CodingKeys: String, CodingKey {
        case type, re, room, epoch, presence, missed, recovered
        case lastSeq = "last_seq"
    }

    public init(re: String?, room: RoomInfo, lastSeq: Int64, epoch: String, presence: [PresenceEntry], missed: [ChatMessage], recovered: Bool) {
        self.re = re
        self.room = room
        self.lastSeq = lastSeq
        self.epoch = epoch
        self.presence = presence
        self.missed = missed
        self.recovered = recovered
    }
}

public struct Ack: ServerEvent {
    public let type = "ack"
    public var re: String?
    public var msgID: String
    public var seq: Int64
    public var ts: Int64
    public var status: String

    enum CodingKeys: String, CodingKey {
        case type, re, seq, ts, status
        case msgID = "msg_id"
    }

    public init(re: String?, msgID: String, seq: Int64, ts: Int64, status: String) {
        self.re = re
        self.msgID = msgID
        self.seq = seq
        self.ts = ts
        self.status = status
    }
}

public struct MessagePush: ServerEvent {
    public let type = "message"
    public var room: String
    public var msg: ChatMessage
    public init(room: String, msg: ChatMessage) {
        self.room = room
        self.msg = msg
    }
}

public struct MessageEdited: ServerEvent {
    public let type = "message.edited"
    public var room: String
    public var msgID: String
    public var text: String
    public var editedAt: Int64
    public var by: String

    enum CodingKeys: String, CodingKey {
        case type, room, text, by
        case msgID = "msg_id"
        case editedAt = "edited_at"
    }

    public init(room: String, msgID: String, text: String, editedAt: Int64, by: String) {
        self.room = room
        self.msgID = msgID
        self.text = text
        self.editedAt = editedAt
        self.by = by
    }
}

public struct MessageDeleted: ServerEvent {
    public let type = "message.deleted"
    public var room: String
    public var msgID: String
    public var by: String

    enum CodingKeys: String, CodingKey {
        case type, room, by
        case msgID = "msg_id"
    }

    public init(room: String, msgID: String, by: String) {
        self.room = room
        self.msgID = msgID
        self.by = by
    }
}

public struct ReactionPush: ServerEvent {
    public let type = "reaction"
    public var room: String
    public var msgID: String
    public var emoji: String
    public var user: String
    public var on: Bool
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case type, room, emoji, user, on, count
        case msgID = "msg_id"
    }

    public init(room: String, msgID: String, emoji: String, user: String, on: Bool, count: Int) {
        self.room = room
        self.msgID = msgID
        self.emoji = emoji
        self.user = user
        self.on = on
        self.count = count
    }
}

public struct ReadPush: ServerEvent {
    public let type = "read"
    public var room: String
    public var user: String
    public var seq: Int64
    public init(room: String, user: String, seq: Int64) {
        self.room = room
        self.user = user
        self.seq = seq
    }
}

public struct HistoryReply: ServerEvent {
    public let type = "history"
    public var re: String?
    public var room: String
    public var messages: [ChatMessage]
    public var hasMore: Bool

    enum CodingKeys: String, CodingKey {
        case type, re, room, messages
        case hasMore = "has_more"
    }

    public init(re: String?, room: String, messages: [ChatMessage], hasMore: Bool) {
        self.re = re
        self.room = room
        self.messages = messages
        self.hasMore = hasMore
    }
}

public struct TypingPush: ServerEvent {
    public let type = "typing"
    public var room: String
    public var user: String
    public var on: Bool
    public init(room: String, user: String, on: Bool) {
        self.room = room
        self.user = user
        self.on = on
    }
}

public struct PresencePush: ServerEvent {
    public let type = "presence"
    public var room: String
    public var user: String
    public var status: PresenceStatus
    public var lastSeen: Int64

    enum CodingKeys: String, CodingKey {
        case type, room, user, status
        case lastSeen = "last_seen"
    }

    public init(room: String, user: String, status: PresenceStatus, lastSeen: Int64) {
        self.room = room
        self.user = user
        self.status = status
        self.lastSeen = lastSeen
    }
}

/// Extension: pushed to a kicked user's sessions for the room they were removed from.
/// Push (extension) to a room's joined sessions: its title changed; `room` is the whole room object.
public struct RoomUpdatedPush: ServerEvent {
    public let type = "room.updated"
    public var room: RoomInfo
    public var by: String
    public init(room: RoomInfo, by: String) {
        self.room = room
        self.by = by
    }
}

public struct KickedPush: ServerEvent {
    public let type = "kicked"
    public var room: String
    public var by: String
    public init(room: String, by: String) {
        self.room = room
        self.by = by
    }
}
