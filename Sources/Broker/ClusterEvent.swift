import Outbound

/// Something that happened on one node that sessions on the other nodes must see.
///
/// Frames travel as the bytes clients get (encoded once, on the node where the event happened);
/// the metadata next to them is what a receiving node needs to keep its own state right.
public struct ClusterEvent: Sendable {
    /// The node that published it.
    public var origin: String
    /// The tenant; empty for node-level events (heartbeats, presence sync requests).
    public var org: String
    public var body: Body

    public init(origin: String, org: String, body: Body) {
        self.origin = origin
        self.org = org
        self.body = body
    }

    public enum Body: Sendable {
        /// A push to a room's joined sessions (none for a bare membership change), with what it changes in the room.
        case room(room: String, change: RoomChange, frame: SharedFrame?)
        /// Every user of the org online on the origin node (replaces what was known of that node).
        case presenceSnapshot(online: [String])
        /// A user's sessions on the origin node came (online) or all went (offline, after the grace).
        case presence(user: String, online: Bool, lastSeen: Int64)
        /// A frame for every session of one user (streaks, achievements, moderation notices).
        case user(user: String, frame: SharedFrame)
        /// Close every session of the user (a ban, a sign-out everywhere).
        case closeUser(user: String, code: UInt16, reason: String)
        /// Close one session of the user, on whichever node holds it (an admin ending it).
        case closeSession(user: String, session: String, code: UInt16, reason: String)
        /// A mute set (`until` in ms) or lifted (`until` 0).
        case mute(room: String, user: String, until: Int64)
        /// For the org's moderation subscribers: a message was held (`deadline` set) or decided (`deadline` 0).
        case review(msgID: String, deadline: Int64, frame: SharedFrame)
        /// A leaderboard total changed (`room` empty for the org board; `period` "all" or an ISO week).
        case score(room: String, period: String, user: String, name: String, points: Int)
        /// The user's personal data was erased: nodes forget their points and progress.
        case userErased(user: String)
        /// An admin asks for the user's sessions: every node answers with `sessions` (its own, maybe none).
        case sessionsQuery(requestID: String, user: String)
        /// One node's answer to `sessionsQuery`.
        case sessions(requestID: String, user: String, sessions: [RemoteSession])
        /// The origin node is alive; sent every `ClusterTiming.heartbeat`.
        case heartbeat
        /// The origin node (re)connected and asks every node for a `presenceSnapshot` of each org.
        case syncRequest
    }
}

/// One authenticated session as another node describes it.
public struct RemoteSession: Sendable, Equatable {
    /// The id `hello` gave the client.
    public var id: String
    /// When it signed in (ms).
    public var connectedAt: Int64
    public var address: String

    public init(id: String, connectedAt: Int64, address: String) {
        self.id = id
        self.connectedAt = connectedAt
        self.address = address
    }
}

/// What a room push changes on a node that holds the room, besides pushing the frame.
public enum RoomChange: Sendable, Equatable {
    /// Nothing (edits, deletes, reactions).
    case none
    /// A stored message: pushed in seq order on every node.
    case message(seq: Int64)
    /// A typing indicator: not pushed to the typist's own sessions.
    case typing(user: String)
    /// A read position rose.
    case read(user: String, seq: Int64)
    case memberAdded(user: String)
    /// A member left or (`kicked`) was removed: their sessions stop receiving the room.
    case memberRemoved(user: String, kicked: Bool)
    /// The room's title changed.
    case retitled(title: String)
    /// An admin archived the room (`at` ms) or un-archived it (`at` nil).
    case archived(at: Int64?)
}

/// Heartbeat cadence and how long a silent node is still counted alive.
public enum ClusterTiming {
    public static let heartbeatMS: Int64 = 1_000
    public static let nodeTimeoutMS: Int64 = 5_000
}
