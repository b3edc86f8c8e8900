/// The protocol's shared objects, shaped exactly as they appear on the wire (PROTOCOL.md).

public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, mentor, student, guest
}

public enum RoomKind: String, Codable, Sendable {
    case group, direct
}

public enum Visibility: String, Codable, Sendable {
    case `private`, org
}

/// `{"id","name","role"}`: who wrote a message.
public struct UserRef: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role

    public init(id: String, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// The room object: `{"id","kind","title","visibility","members","created_by","created_at"}`.
public struct RoomInfo: Codable, Sendable, Equatable {
    public var id: String
    public var kind: RoomKind
    public var title: String
    public var visibility: Visibility
    public var members: [String]
    public var createdBy: String
    public var createdAt: Int64
    /// When an admin archived the room (ms): read-only since. Absent while it is not archived.
    public var archivedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, kind, title, visibility, members
        case createdBy = "created_by"
        case createdAt = "created_at"
        case archivedAt = "archived_at"
    }

    public init(
        id: String, kind: RoomKind, title: String, visibility: Visibility, members: [String], createdBy: String, createdAt: Int64,
        archivedAt: Int64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.visibility = visibility
        self.members = members
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.archivedAt = archivedAt
    }
}

/// `"moderation":{"action":"masked","reasons":[…]}` on a delivered message.
public struct ModerationNote: Codable, Sendable, Equatable {
    public var action: String
    public var reasons: [String]

    public init(action: String, reasons: [String]) {
        self.action = action
        self.reasons = reasons
    }
}

/// A delivered message as pushed, recovered and paged through history.
///
/// Extensions to the contract (docs/protocol.md, marked (server)): `edited_at`
/// once edited, `deleted:true` (and no `text`) once deleted, `reactions` as emoji → count.
public struct ChatMessage: Codable, Sendable, Equatable {
    public var id: String
    public var seq: Int64
    public var from: UserRef
    public var text: String?
    public var ts: Int64
    public var replyTo: String?
    public var clientMsgID: String
    public var moderation: ModerationNote?
    public var editedAt: Int64?
    public var deleted: Bool?
    public var reactions: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case id, seq, from, text, ts, moderation, deleted, reactions
        case replyTo = "reply_to"
        case clientMsgID = "client_msg_id"
        case editedAt = "edited_at"
    }

    public init(
        id: String, seq: Int64, from: UserRef, text: String?, ts: Int64, replyTo: String? = nil,
        clientMsgID: String, moderation: ModerationNote? = nil, editedAt: Int64? = nil,
        deleted: Bool? = nil, reactions: [String: Int]? = nil
    ) {
        self.id = id
        self.seq = seq
        self.from = from
        self.text = text
        self.ts = ts
        self.replyTo = replyTo
        self.clientMsgID = clientMsgID
        self.moderation = moderation
        self.editedAt = editedAt
        self.deleted = deleted
        self.reactions = reactions
    }
}
