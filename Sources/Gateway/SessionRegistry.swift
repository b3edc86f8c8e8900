import Gamification
import Outbound
import Synchronization

/// One authenticated session as the registry knows it.
struct RegisteredSession: Sendable {
    /// The id `hello` gave the client (`<node>.<connection>.<random>`).
    var id: String
    var sink: any FrameSink
    /// When it signed in (ms).
    var connectedAt: Int64
    /// The client's address (behind a trusted proxy, the one it forwarded).
    var address: String
}

/// Every authenticated session of this node by user, for what targets a user rather than a room
/// (bans, sign-outs, streak and achievement pushes) and for the admin API's session list.
final class SessionRegistry: UserNotifier {
    private struct UserKey: Hashable {
        var org: String
        var user: String
    }

    private let sessions = Mutex<[UserKey: [UInt64: RegisteredSession]]>([:])

    /// Registers a session unless the user already has `limit`; returns whether it was added.
    /// Adds the session unless the user already has `limit`; `then` runs under the same lock, so
    /// what it queues on the session comes before any push `notify` sends it.
    func add(org: String, user: String, _ session: RegisteredSession, limit: Int, then: () -> Void = {}) -> Bool {
        sessions.withLock { sessions in
            let key = UserKey(org: org, user: user)
            guard sessions[key, default: [:]].count < limit else { return false }
            sessions[key, default: [:]][session.sink.connectionID] = session
            then()
            return true
        }
    }

    func remove(org: String, user: String, connection: UInt64) {
        sessions.withLock { sessions in
            let key = UserKey(org: org, user: user)
            sessions[key]?[connection] = nil
            if sessions[key]?.isEmpty == true { sessions[key] = nil }
        }
    }

    /// The user's sessions on this node, oldest first.
    func sessions(org: String, user: String) -> [RegisteredSession] {
        sessions.withLock { Array(($0[UserKey(org: org, user: user)] ?? [:]).values) }.sorted { ($0.connectedAt, $0.id) < ($1.connectedAt, $1.id) }
    }

    func sinks(org: String, user: String) -> [any FrameSink] {
        sessions.withLock { ($0[UserKey(org: org, user: user)] ?? [:]).values.map(\.sink) }
    }

    func session(org: String, user: String, id: String) -> RegisteredSession? {
        sessions.withLock { ($0[UserKey(org: org, user: user)] ?? [:]).values.first { $0.id == id } }
    }

    /// Users with at least one session.
    var userCount: Int { sessions.withLock { $0.count } }

    func notify(org: String, user: String, frame: SharedFrame) {
        for sink in sinks(org: org, user: user) { sink.send(frame) }
    }
}
