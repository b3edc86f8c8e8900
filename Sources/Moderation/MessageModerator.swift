/// The inline moderation stage every `send` and `edit` passes before anyone else sees it.

public enum ModerationAction: String, Sendable, Codable {
    case allow, mask, hold, block
}

/// Who wrote a text and where: rules and thresholds are per org.
public struct ModerationContext: Sendable {
    public var org: String
    public var room: String
    public var user: String

    public init(org: String, room: String, user: String) {
        self.org = org
        self.room = room
        self.user = user
    }
}

/// The moderator's decision, with every reason and score that led to it.
public struct Verdict: Sendable, Equatable {
    public var action: ModerationAction
    /// The text as it would be delivered (masked where masked).
    public var text: String
    public var reasons: [String]
    public var scores: [String: Double]

    /// The one category a `message_blocked` reply or a review names: reasons are ordered strongest action first.
    public var primaryReason: String? { reasons.first }

    public init(action: ModerationAction, text: String, reasons: [String] = [], scores: [String: Double] = [:]) {
        self.action = action
        self.text = text
        self.reasons = reasons
        self.scores = scores
    }
}

/// Synchronous by design: it runs on the message path within a microsecond budget.
public protocol MessageModerator: Sendable {
    func screen(_ text: String, context: ModerationContext) -> Verdict
}

/// Delivers everything unchanged. The default until a screening pipeline is configured.
public struct PassThroughModerator: MessageModerator {
    public init() {}
    public func screen(_ text: String, context: ModerationContext) -> Verdict {
        Verdict(action: .allow, text: text)
    }
}
