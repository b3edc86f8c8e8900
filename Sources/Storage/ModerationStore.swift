import Foundation
import Wire

/// A message the moderator held for review: nobody but its author knows of it until a decision.
public struct HeldMessage: Sendable, Equatable {
    public var room: String
    /// The message as it would be delivered on approval (it gets its seq then).
    public var message: NewMessage
    public var reasons: [String]
    public var scores: [String: Double]
    /// The author's zone, for gamification once delivered.
    public var timeZone: String?
    /// When the org's `hold_default` applies if no bot decided (ms).
    public var deadline: Int64
    /// Child safety or self-harm: reviewed first, never approved by a timeout.
    public var urgent: Bool

    public init(
        room: String, message: NewMessage, reasons: [String], scores: [String: Double], timeZone: String?, deadline: Int64, urgent: Bool = false
    ) {
        self.room = room
        self.message = message
        self.reasons = reasons
        self.scores = scores
        self.timeZone = timeZone
        self.deadline = deadline
        self.urgent = urgent
    }
}

/// One audited moderation event: a non-allow verdict, or a bot's or admin's action.
public struct AuditRecord: Sendable, Equatable, Codable {
    public var org: String
    public var at: Int64
    /// Who acted: a user id, or "moderator" for the inline pipeline, or "policy" for a review timeout.
    public var actor: String
    /// `mask`, `hold`, `block`, `approve`, `reject`, `delete`, `mute`, `ban`, …
    public var action: String
    public var room: String?
    public var msgID: String?
    /// The user the action concerns (the author, the muted or banned user).
    public var subject: String?
    public var reasons: [String]
    public var scores: [String: Double]
    public var detail: String?
    /// The entry's place in its org's chain (1, 2, …) and its hash (`AuditChain`); nil until stored.
    public var seq: Int64?
    public var hash: String?

    enum CodingKeys: String, CodingKey {
        case org, at, actor, action, room, reasons, scores, detail, subject, seq, hash
        case msgID = "msg_id"
    }

    public init(
        org: String, at: Int64, actor: String, action: String, room: String? = nil, msgID: String? = nil, subject: String? = nil,
        reasons: [String] = [], scores: [String: Double] = [:], detail: String? = nil, seq: Int64? = nil, hash: String? = nil
    ) {
        self.org = org
        self.at = at
        self.actor = actor
        self.action = action
        self.room = room
        self.msgID = msgID
        self.subject = subject
        self.reasons = reasons
        self.scores = scores
        self.detail = detail
        self.seq = seq
        self.hash = hash
    }

    /// The record a stored chain entry holds.
    public init(_ link: AuditChain.Link) throws {
        self.init(
            org: link.org, at: link.at, actor: link.actor, action: link.action, room: link.room, msgID: link.msgID, subject: link.subject,
            reasons: try JSONDecoder().decode([String].self, from: Data(link.reasons.utf8)),
            scores: try JSONDecoder().decode([String: Double].self, from: Data(link.scores.utf8)), detail: link.detail,
            seq: link.seq, hash: link.hash)
    }
}

/// Which audit entries to list (every condition set must hold), newest first.
public struct AuditQuery: Sendable, Equatable {
    /// At or after this time (ms).
    public var since: Int64?
    /// Before this time (ms).
    public var until: Int64?
    public var action: String?
    public var actor: String?
    public var subject: String?
    public var room: String?
    /// Only entries before this one of the org's chain: the cursor of the next page.
    public var beforeSeq: Int64?

    public init(
        since: Int64? = nil, until: Int64? = nil, action: String? = nil, actor: String? = nil, subject: String? = nil,
        room: String? = nil, beforeSeq: Int64? = nil
    ) {
        self.since = since
        self.until = until
        self.action = action
        self.actor = actor
        self.subject = subject
        self.room = room
        self.beforeSeq = beforeSeq
    }
}

/// Held messages, mutes and the audit trail. Held messages survive restarts.
public protocol ModerationStore: Sendable {
    /// Stores the held message and, in the same transaction, its idempotency key (status `held`,
    /// seq 0), so a resend replays the held ack. When its author already used the message's
    /// `client_msg_id` in the room after `idempotentSince` (ms) for another message, stores nothing
    /// and returns that message's ack. Holding the same message again (a restore) is allowed.
    func holdMessage(org: String, _ held: HeldMessage, idempotentSince: Int64) async throws -> StoredAck?
    /// Removes and returns the held message (nil when unknown or already decided): exactly one decision wins.
    func takeHeldMessage(org: String, msgID: String) async throws -> HeldMessage?
    /// Every pending held message of the org, oldest first.
    func heldMessages(org: String) async throws -> [HeldMessage]
    /// Every pending held message of every org with its org (for timers after a restart).
    func allHeldMessages() async throws -> [(org: String, held: HeldMessage)]

    func setMute(org: String, room: String, user: String, until: Int64) async throws
    /// When the user's mute in the room ends (ms), or nil when not muted.
    /// Every mute still running at `now` (reloaded at start).
    func activeMutes(now: Int64) async throws -> [(org: String, room: String, user: String, until: Int64)]

    /// Appends the record to its org's chain (`AuditChain`): the next seq, the previous entry's
    /// hash and its own, in one transaction that serialises appends of one org (on every node).
    /// Returns the record as stored.
    @discardableResult
    func appendAudit(_ record: AuditRecord) async throws -> AuditRecord
    /// Newest first; `org` nil means every org (operator CLI only; `beforeSeq` then applies per org).
    func audit(org: String?, query: AuditQuery, limit: Int) async throws -> [AuditRecord]
    /// The org's chain entries with seq > `afterSeq`, ascending, at most `limit` (for verification).
    func auditChain(org: String, afterSeq: Int64, limit: Int) async throws -> [AuditChain.Link]
    /// Every org with audit entries.
    func auditOrgs() async throws -> [String]
    /// Retention: deletes the oldest of the org's audit entries, up to `limit`, while they are
    /// older than `before` (ms): always a prefix of the chain, whose last deleted entry becomes
    /// the org's anchor (`auditAnchor`), so the rest still verifies and appends continue it.
    func purgeAudit(org: String, before: Int64, limit: Int) async throws -> Int
    /// Seq and hash of the last entry retention deleted from the org's chain, if any.
    func auditAnchor(org: String) async throws -> (seq: Int64, hash: String)?
}
