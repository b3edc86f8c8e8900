import Wire

/// What the message path reports for gamification. Recording never blocks the caller.
public enum ActivityEvent: Sendable {
    /// A message got its seq and was delivered.
    case messageDelivered(org: String, room: String, user: String, timeZone: String?, at: Int64)
    /// A reaction was turned on or off on `author`'s message.
    case reaction(org: String, room: String, msgID: String, emoji: String, reactor: String, reactorRole: Role, author: String, on: Bool, at: Int64)
}

/// Where rooms send activity; implemented by the gamification engine's inbox. Rooms know only this,
/// not gamification, so the message path can be wired to another consumer (a cluster broker).
public protocol ActivityFeed: Sendable {
    func record(_ event: ActivityEvent)
}

extension ActivityEvent {
    /// The tenant the event belongs to.
    public var org: String {
        switch self {
        case .messageDelivered(let org, _, _, _, _), .reaction(let org, _, _, _, _, _, _, _, _): org
        }
    }
}
