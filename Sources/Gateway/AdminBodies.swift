import Broker
import Storage
import Wire

/// JSON bodies of the admin API (docs/openapi.yaml). Absent optional values are written as null.

struct UserBody: Encodable {
    var id: String
    var name: String
    var role: Role
    var online: Bool
    var banned: Bool
    var lastSeen: Int64

    init(_ record: UserRecord, online: Bool, banned: Bool) {
        id = record.id
        name = record.name
        role = record.role
        self.online = online
        self.banned = banned
        lastSeen = record.lastSeen
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, online, banned
        case lastSeen = "last_seen"
    }
}

struct UsersBody: Encodable {
    var users: [UserBody]
    /// The `after` of the next page; absent on the last one.
    var next: String?
}

struct BanBody: Encodable {
    var ban: UserBan

    init(_ ban: UserBan) { self.ban = ban }

    enum CodingKeys: String, CodingKey {
        case user, reason, by, at
        case expiresAt = "expires_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ban.user, forKey: .user)
        try container.encode(ban.reason, forKey: .reason)
        try container.encode(ban.expiresAt, forKey: .expiresAt)
        try container.encode(ban.by, forKey: .by)
        try container.encode(ban.at, forKey: .at)
    }
}

struct BansBody: Encodable {
    var bans: [BanBody]
}

struct SessionBody: Encodable {
    var id: String
    var node: String
    var connectedAt: Int64
    var address: String

    init(_ session: RemoteSession, node: String) {
        id = session.id
        self.node = node
        connectedAt = session.connectedAt
        address = session.address
    }

    enum CodingKeys: String, CodingKey {
        case id, node, address
        case connectedAt = "connected_at"
    }
}

struct SessionsBody: Encodable {
    /// The user's sessions on every node.
    var sessions: [SessionBody]
    /// Nodes where the user has sessions that did not answer within a second (cluster mode; normally empty).
    var elsewhere: [String]
}

struct AcceptedBody: Encodable {
    var status: String
}

/// What an erasure removed.
struct ErasedBody: Encodable {
    var user: String
    var messages: Int
    var reactions: Int
    var heldMessages: Int

    init(user: String, _ erased: ErasedUser) {
        self.user = user
        messages = erased.messages.count
        reactions = erased.reactions
        heldMessages = erased.heldMessages
    }

    enum CodingKeys: String, CodingKey {
        case user, messages, reactions
        case heldMessages = "held_messages"
    }
}

struct AuditPage: Encodable {
    var records: [AuditRecord]
    /// The `before` of the next (older) page; absent on the last one.
    var next: Int64?
}

/// A held message as bots see it in `moderation.review`, and when its review deadline passes.
struct HeldBody: Encodable {
    var room: String
    var msg: ChatMessage
    var reasons: [String]
    var scores: [String: Double]
    var priority: String
    var deadline: Int64

    init(_ held: HeldMessage) {
        let message = held.message
        room = held.room
        msg = ChatMessage(
            id: message.id, seq: 0, from: message.from, text: message.text, ts: message.ts, replyTo: message.replyTo,
            clientMsgID: message.clientMsgID)
        reasons = held.reasons
        scores = held.scores
        priority = held.urgent ? "urgent" : "normal"
        deadline = held.deadline
    }
}

struct HeldListBody: Encodable {
    var held: [HeldBody]
}

struct MuteBody: Encodable {
    var room: String
    var user: String
    /// When the mute ends (ms).
    var until: Int64
}

struct MutesBody: Encodable {
    var mutes: [MuteBody]
}

/// A room as members see it (the protocol's room object), with its latest seq.
struct RoomBody: Encodable {
    var room: RoomInfo
    var lastSeq: Int64

    init(_ stored: StoredRoom) {
        room = stored.info
        lastSeq = stored.lastSeq
    }

    enum CodingKeys: String, CodingKey {
        case room
        case lastSeq = "last_seq"
    }
}

struct RoomsBody: Encodable {
    var rooms: [RoomBody]
    /// The `after` of the next page; absent on the last one.
    var next: String?
}
