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

    enum CodingKeys: String, CodingKey {
        case org, at, actor, action, room, reasons, scores, detail, subject
        case msgID = "msg_id"
    }

    public init(
        org: String, at: Int64, actor: String, action: String, room: String? = nil, msgID: String? = nil, subject: String? = nil,
        reasons: [String] = [], scores: [String: Double] = [:], detail: String? = nil
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

    func appendAudit(_ record: AuditRecord) async throws
    /// Newest first; `org` nil means every org (operator CLI only).
    func audit(org: String?, since: Int64?, limit: Int) async throws -> [AuditRecord]
}
