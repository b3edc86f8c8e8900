import Transport
import Wire

/// The admin API's paths.
enum AdminRoute: Equatable {
    case users
    case user(String)
    case sessions(user: String)
    case session(user: String, session: String)
    case signOut(user: String)
    case erase(user: String)
    case bans
    case ban(user: String)
    case rooms
    case room(String)
    case member(room: String, user: String)
    case held
    case heldMessage(msgID: String)
    case mutes
    case mute(room: String, user: String)
    case audit

    init?(path: String) {
        guard path.hasPrefix(AdminAPI.prefix) else { return nil }
        let parts = path.dropFirst(AdminAPI.prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // Every segment after the first is an id (a direct room's may be longer).
        guard parts.dropFirst().allSatisfy(Identifier.isValidRoom) else { return nil }
        switch (parts.first, parts.count) {
        case ("users", 1): self = .users
        case ("users", 2): self = .user(parts[1])
        case ("users", 3) where parts[2] == "sessions": self = .sessions(user: parts[1])
        case ("users", 4) where parts[2] == "sessions": self = .session(user: parts[1], session: parts[3])
        case ("users", 3) where parts[2] == "sign-out": self = .signOut(user: parts[1])
        case ("users", 3) where parts[2] == "erase": self = .erase(user: parts[1])
        case ("bans", 1): self = .bans
        case ("bans", 2): self = .ban(user: parts[1])
        case ("audit", 1): self = .audit
        case ("rooms", 1): self = .rooms
        case ("rooms", 2): self = .room(parts[1])
        case ("rooms", 4) where parts[2] == "members": self = .member(room: parts[1], user: parts[3])
        case ("held", 1): self = .held
        case ("held", 2): self = .heldMessage(msgID: parts[1])
        case ("mutes", 1): self = .mutes
        case ("mutes", 3): self = .mute(room: parts[1], user: parts[2])
        default: return nil
        }
    }

    /// The user the path names, if any (for the audit trail).
    var subject: String? {
        switch self {
        case .user(let user), .sessions(let user), .session(let user, _), .signOut(let user), .erase(let user), .ban(let user),
            .member(_, let user), .mute(_, let user):
            user
        default: nil
        }
    }

    /// The room the path names, if any.
    var room: String? {
        switch self {
        case .room(let room), .member(let room, _), .mute(let room, _): room
        default: nil
        }
    }

    var methods: [HTTPMethod] {
        switch self {
        case .users, .user, .sessions, .audit, .held, .rooms: [.get]
        case .room: [.get, .patch]
        case .bans, .mutes: [.get, .post]
        case .ban, .session, .mute, .member: [.delete]
        case .signOut, .erase, .heldMessage: [.post]
        }
    }
}
