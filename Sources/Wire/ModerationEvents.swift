/// Moderation frames (PROTOCOL.md, Moderation).

/// To subscribed moderator bots: a held message awaiting their decision.
public struct ModerationReview: ServerEvent {
    public let type = "moderation.review"
    public var room: String
    /// The message as it would be delivered; `seq` is 0 until approved.
    public var msg: ChatMessage
    public var scores: [String: Double]
    public var reasons: [String]
    /// `urgent` (child safety, self-harm: review first) or `normal`.
    public var priority: String

    public init(room: String, msg: ChatMessage, scores: [String: Double], reasons: [String], urgent: Bool) {
        self.room = room
        self.msg = msg
        self.scores = scores
        self.reasons = reasons
        priority = urgent ? "urgent" : "normal"
    }
}

/// To the author: what happened to their held message.
public struct ModerationNotice: ServerEvent {
    public let type = "moderation"
    public var room: String
    public var msgID: String
    public var action: String
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case type, room, action, reason
        case msgID = "msg_id"
    }

    public init(room: String, msgID: String, action: String, reason: String?) {
        self.room = room
        self.msgID = msgID
        self.action = action
        self.reason = reason
    }
}

public enum ModerationDecision: String, Sendable, Codable {
    case approve, reject, delete, mute
}
