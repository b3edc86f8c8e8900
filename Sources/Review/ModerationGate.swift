import Metrics
import Moderation
import Rooms
import Storage
import Wire

/// The inline moderator as the message path uses it: trims and sizes texts, screens them, and
/// counts and audits every verdict other than allow. Held messages then go to the review desk.
public struct ModerationGate: Sendable {
    private let moderator: any MessageModerator
    private let review: ReviewDesk
    private let maxText: Int
    private let clock: any WallClock
    private let moderated: [ModerationAction: Counter]

    public init(moderator: any MessageModerator, review: ReviewDesk, maxText: Int, clock: any WallClock) {
        self.moderator = moderator
        self.review = review
        self.maxText = maxText
        self.clock = clock
        let outcomes: [(ModerationAction, String)] = [(.mask, "masked"), (.hold, "held"), (.block, "blocked")]
        moderated = Dictionary(uniqueKeysWithValues: outcomes.map { action, outcome in
            (action, Counter(label: "rts_messages_total", dimensions: [("outcome", outcome)]))
        })
    }

    /// The verdict on a message text (for `send` and `edit`), already counted and audited under `msgID`.
    /// `audience` is who reads it: signals weigh most from an adult to a student in private.
    public func screenMessage(_ text: String, room: String, msgID: String, as principal: Principal, audience: RoomAudience) async throws(RequestError)
        -> Verdict
    {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .badRequest("text is empty") }
        guard trimmed.unicodeScalars.count <= maxText else {
            throw RequestError(.tooLarge, "text is longer than \(maxText) characters")
        }
        let verdict = moderator.screen(trimmed, context: Self.context(principal, room: room, audience: audience))
        guard verdict.action != .allow else { return verdict }
        moderated[verdict.action]?.increment()
        // Audited before anyone acts on it: a verdict that cannot be recorded refuses the message.
        try await review.record(AuditRecord(
            org: principal.org, at: clock.nowMS(), actor: "moderator", action: verdict.action.rawValue, room: room, msgID: msgID,
            subject: principal.user, reasons: verdict.reasons, scores: verdict.scores))
        return verdict
    }

    /// Room titles are shown to every member: they pass the moderator like messages. A masked title
    /// is used masked; one that would be held or blocked is refused (a title can't wait for review).
    public func screenTitle(_ title: String, room: String, as principal: Principal) throws(RequestError) -> String {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .badRequest("title is empty") }
        let verdict = moderator.screen(trimmed, context: ModerationContext(org: principal.org, room: room, user: principal.user))
        guard verdict.action == .allow || verdict.action == .mask else { throw Self.blocked(verdict) }
        return verdict.text
    }

    private static func context(_ principal: Principal, room: String, audience: RoomAudience) -> ModerationContext {
        let readers: ModerationContext.Audience = switch audience {
        case .group: .group
        case .direct(let peer, let role?): .direct(peer: peer, peerRole: role.rawValue)
        // A peer the server has not seen yet: judged as the riskiest conversation.
        case .direct(_, nil): .unknown
        }
        return ModerationContext(org: principal.org, room: room, user: principal.user, role: principal.role.rawValue, audience: readers)
    }

    public static func blocked(_ verdict: Verdict) -> RequestError {
        RequestError(.messageBlocked, "message blocked by moderation", reason: verdict.reasons.first ?? "policy")
    }
}
