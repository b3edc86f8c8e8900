/// The inline moderation stage every `send` and `edit` passes before anyone else sees it.

public enum ModerationAction: String, Sendable, Codable {
    case allow, mask, hold, block
}

/// Who wrote a text, where, and to whom: rules and thresholds are per org, and some signals weigh
/// differently from an adult to a student in private than between peers or in a group.
public struct ModerationContext: Sendable {
    /// Who reads a message.
    public enum Audience: Sendable, Equatable {
        /// Not known (the operator CLI, tests): judged as the riskiest conversation.
        case unknown
        /// A 1:1 room: the other member and their role.
        case direct(peer: String, peerRole: String)
        /// A room with more members.
        case group
    }

    public var org: String
    public var room: String
    public var user: String
    /// The sender's role (`admin`, `mentor`, `student`, `guest`), when known.
    public var role: String?
    public var audience: Audience

    public init(org: String, room: String, user: String, role: String? = nil, audience: Audience = .unknown) {
        self.org = org
        self.room = room
        self.user = user
        self.role = role
        self.audience = audience
    }
}

/// The moderator's decision, with every reason and score that led to it.
public struct Verdict: Sendable, Equatable {
    public var action: ModerationAction
    /// The text as it would be delivered (masked where masked).
    public var text: String
    public var reasons: [String]
    public var scores: [String: Double]
    /// A hold a person should see first (child safety, self-harm): never decided by a review timeout's approve.
    public var urgent: Bool

    /// The one reason a `message_blocked` reply or a review names: reasons are ordered strongest action first.
    public var primaryReason: String? { reasons.first }

    /// The category of the primary reason: `pii.email` → `pii`, `spam.repeat` → `spam`, `threat` → `threat`.
    public var category: String? { primaryReason.map(Self.category(of:)) }

    public static func category(of reason: String) -> String {
        reason.split(separator: ".", maxSplits: 1).first.map(String.init) ?? reason
    }

    public init(action: ModerationAction, text: String, reasons: [String] = [], scores: [String: Double] = [:], urgent: Bool = false) {
        self.action = action
        self.text = text
        self.reasons = reasons
        self.scores = scores
        self.urgent = urgent
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
