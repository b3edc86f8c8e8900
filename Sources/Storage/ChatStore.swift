import Wire

/// A user signing in with a token: who, as what, and when.
public struct UserSignIn: Sendable, Equatable {
    public var org: String
    public var id: String
    public var name: String
    public var role: Role
    public var at: Int64
    /// The earliest the sign-in's token can have been issued (ms), for "sign out everywhere".
    public var tokenIssuedAt: Int64

    public init(org: String, id: String, name: String, role: Role, at: Int64, tokenIssuedAt: Int64 = 0) {
        self.org = org
        self.id = id
        self.name = name
        self.role = role
        self.at = at
        self.tokenIssuedAt = tokenIssuedAt
    }
}

/// Why a user's token opens nothing now.
public enum AccessDenial: String, Sendable, Equatable {
    /// A ban is in force.
    case banned
    /// An admin signed the user out everywhere after the token was issued.
    case signedOut = "signed_out"
}

/// A user the server has seen in a token: their latest display name and role.
public struct UserRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    public var lastSeen: Int64

    public init(id: String, name: String, role: Role, lastSeen: Int64) {
        self.id = id
        self.name = name
        self.role = role
        self.lastSeen = lastSeen
    }
}

/// A room as stored: its public object plus the server-side state that travels with it.
public struct StoredRoom: Sendable, Equatable {
    public var info: RoomInfo
    /// Random id of this room's history generation; recovery across epochs is refused.
    public var epoch: String
    /// Highest seq stored (0 when empty).
    public var lastSeq: Int64

    public init(info: RoomInfo, epoch: String, lastSeq: Int64) {
        self.info = info
        self.epoch = epoch
        self.lastSeq = lastSeq
    }
}

/// A message ready to be stored; the store assigns its seq.
public struct NewMessage: Sendable, Equatable {
    public var id: String
    public var from: UserRef
    public var text: String
    public var ts: Int64
    public var replyTo: String?
    public var clientMsgID: String
    public var moderation: ModerationNote?
    /// The ack status recorded for idempotent replays ("delivered" or "masked").
    public var status: String

    public init(id: String, from: UserRef, text: String, ts: Int64, replyTo: String?, clientMsgID: String, moderation: ModerationNote?, status: String) {
        self.id = id
        self.from = from
        self.text = text
        self.ts = ts
        self.replyTo = replyTo
        self.clientMsgID = clientMsgID
        self.moderation = moderation
        self.status = status
    }
}

/// The original ack of a message, replayed for a repeated `client_msg_id`.
public struct StoredAck: Sendable, Equatable {
    public var msgID: String
    public var seq: Int64
    public var ts: Int64
    public var status: String

    public init(msgID: String, seq: Int64, ts: Int64, status: String) {
        self.msgID = msgID
        self.seq = seq
        self.ts = ts
        self.status = status
    }
}

extension StoredAck {
    /// The status of a message held for review, and of its idempotency key until a decision.
    public static let heldStatus = "held"

    /// This key was recorded when the message `id` was held: its approval is not a duplicate.
    public func isHold(of id: String) -> Bool { status == Self.heldStatus && msgID == id }
}

extension Ack {
    /// The reply to request `re` that carries this recorded ack.
    public init(re: String?, _ ack: StoredAck) {
        self.init(re: re, msgID: ack.msgID, seq: ack.seq, ts: ack.ts, status: ack.status)
    }
}

public enum AppendOutcome: Sendable, Equatable {
    /// Stored with the next seq of the room.
    case stored(ChatMessage)
    /// The same user already sent this `client_msg_id` in this room within the idempotency window.
    case duplicate(StoredAck)
}

/// Everything the server persists. One implementation per backend (SQLite now; PostgreSQL for clusters).
///
/// All ids are scoped by `org`: the same room or user id in two orgs names two unrelated things.
/// Methods never run on the transport thread; callers await them from actors.
public protocol ChatStore: Sendable {
    // MARK: Users
    /// Records sign-ins in one transaction: each user's latest name and role from the token, and
    /// when they were last seen. Returns, in order, why each sign-in is refused (nil: it is not):
    /// a ban in force at its time, or a sign-out after its token was issued. A refused user's
    /// record is left as it was.
    func recordSignIns(_ signIns: [UserSignIn]) async throws -> [AccessDenial?]
    func user(org: String, id: String) async throws -> UserRecord?
    /// The known users among `ids` (unknown ids are left out).
    func users(org: String, ids: [String]) async throws -> [UserRecord]
    /// One page of the org's users in id order, starting after `after`.
    func users(org: String, after: String?, limit: Int) async throws -> [UserRecord]

    // MARK: Bans
    /// Bans the user (replacing an earlier ban of theirs); the user need not have signed in yet.
    func setBan(org: String, _ ban: UserBan) async throws
    /// Lifts the user's ban; false when there was none in force at `now`.
    func removeBan(org: String, user: String, now: Int64) async throws -> Bool
    /// The user's ban in force at `now`, if any.
    func ban(org: String, user: String, now: Int64) async throws -> UserBan?
    /// Every ban of the org in force at `now`, by user id.
    func bans(org: String, now: Int64) async throws -> [UserBan]
    /// Deletes bans that expired before `now`, in every org. Returns how many were removed.
    func purgeExpiredBans(now: Int64) async throws -> Int

    // MARK: Sign-outs
    /// Refuses, from now on, every token of the user issued before `before` (ms; never moves back).
    func signOut(org: String, user: String, before: Int64) async throws
    /// Why a token of the user issued at `tokenIssuedAt` (ms) opens nothing at `now`, if it does not.
    func accessDenial(org: String, user: String, now: Int64, tokenIssuedAt: Int64) async throws -> AccessDenial?

    // MARK: Rooms
    /// Creates the room with its members. Returns false (and changes nothing) when the id exists.
    func createRoom(org: String, info: RoomInfo, epoch: String) async throws -> Bool
    func room(org: String, id: String) async throws -> StoredRoom?
    /// One page of the org's room ids in id order, starting after `after`.
    func roomIDs(org: String, after: String?, limit: Int) async throws -> [String]
    /// Adds a member (no-op when already one).
    func addMember(org: String, room: String, user: String, at: Int64) async throws
    /// Removes a member (no-op when not one).
    func removeMember(org: String, room: String, user: String) async throws
    /// Changes the room's title (`roomNotFound` when there is no such room).
    func setTitle(org: String, room: String, title: String) async throws
    /// Archives the room at `at` (ms), or un-archives it with nil (`roomNotFound` when there is no such room).
    func setArchived(org: String, room: String, at: Int64?) async throws

    // MARK: Messages
    /// Stores the batch in one transaction, in order, each taking the room's next seq,
    /// except those whose (user, client_msg_id) was stored in this room after `idempotentSince` (ms),
    /// which return the original ack and store nothing. A key recorded by `holdMessage` for this
    /// very message (status `held`, same id) is its own: the approved message is stored and the key
    /// takes its seq. A failure stores none of the batch.
    func appendMessages(org: String, room: String, _ batch: [NewMessage], idempotentSince: Int64) async throws -> [AppendOutcome]
    /// The ack recorded for the user's `client_msg_id` in the room after `idempotentSince` (ms), if any.
    func storedAck(org: String, room: String, user: String, clientMsgID: String, idempotentSince: Int64) async throws -> StoredAck?
    /// Messages with seq > `afterSeq`, ascending, at most `limit`.
    func messages(org: String, room: String, afterSeq: Int64, limit: Int) async throws -> [ChatMessage]
    /// The latest `limit` messages with seq < `beforeSeq` (or the latest overall when nil), ascending;
    /// `hasMore` is true when older ones remain.
    func history(org: String, room: String, beforeSeq: Int64?, limit: Int) async throws -> (messages: [ChatMessage], hasMore: Bool)
    func message(org: String, room: String, id: String) async throws -> ChatMessage?
    func editMessage(org: String, room: String, id: String, text: String, editedAt: Int64) async throws
    /// Marks the message deleted and drops its text.
    func deleteMessage(org: String, room: String, id: String, at: Int64) async throws
    /// Deletes idempotency keys older than `before` (ms). Returns how many were removed.
    func purgeIdempotencyKeys(before: Int64) async throws -> Int
    /// Retention: deletes up to `limit` of the org's messages sent before `before` (ms), with
    /// their reactions, in one short transaction. Returns how many; fewer than `limit` means done.
    func purgeMessages(org: String, before: Int64, limit: Int) async throws -> Int
    /// Every org with a room (the orgs retention looks at).
    func roomOrgs() async throws -> [String]

    // MARK: Reactions and reads
    /// Turns one user's emoji on a message on or off; returns that emoji's count afterwards.
    func setReaction(org: String, room: String, msgID: String, user: String, emoji: String, on: Bool, at: Int64) async throws -> Int
    /// Raises the user's read position in the room to `seq` (never lowers it); returns the stored position.
    func setReadSeq(org: String, room: String, user: String, seq: Int64) async throws -> Int64
    /// Every member's read position in the room.
    func readSeqs(org: String, room: String) async throws -> [String: Int64]

    // MARK: Operations
    /// True while the store can serve reads and writes.
    func isHealthy() async -> Bool
    /// Finishes pending writes and releases the database.
    func close() async throws
}
