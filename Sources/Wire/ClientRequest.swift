/// Every request a client may send (PROTOCOL.md plus the documented extensions).
public enum ClientRequest: Sendable, Equatable {
    case auth(token: String)
    case refresh(token: String)
    case createRoom(CreateRoom)
    case openDirect(user: String)
    case join(room: String, since: Int64?, epoch: String?)
    case leave(room: String)
    case send(Send)
    case edit(room: String, msgID: String, text: String)
    case delete(room: String, msgID: String)
    case react(room: String, msgID: String, emoji: String, on: Bool)
    case read(room: String, seq: Int64)
    case history(room: String, before: Int64?, limit: Int)
    case typing(room: String, on: Bool)
    case setPresence(PresenceStatus)
    case ping
    case subscribe(Subscription)
    case unsubscribe(Subscription)
    /// A moderator bot's decision on a held (or delivered) message.
    case moderate(Moderate)
    /// Extension: remove a user from a group room (admin, or the mentor who created it).
    case kick(room: String, user: String)
    /// Extension: ban or unban a user of the org (admin only); a ban closes their sessions with 4003.
    case ban(user: String, banned: Bool)

    public struct CreateRoom: Sendable, Equatable {
        public var room: String
        public var title: String
        public var visibility: Visibility
        public var members: [String]
    }

    public struct Send: Sendable, Equatable {
        public var room: String
        public var text: String
        public var clientMsgID: String
        public var replyTo: String?
    }

    public struct Moderate: Sendable, Equatable {
        public var room: String
        public var msgID: String
        public var action: ModerationDecision
        public var durationMS: Int64?
        public var reason: String?

        public init(room: String, msgID: String, action: ModerationDecision, durationMS: Int64?, reason: String?) {
            self.room = room
            self.msgID = msgID
            self.action = action
            self.durationMS = durationMS
            self.reason = reason
        }
    }

    public struct Subscription: Sendable, Equatable {
        public var topic: String
        public var period: String?
        public var room: String?
    }
}

public enum PresenceStatus: String, Codable, Sendable {
    case online, away, offline
}
