import Gamification
import Outbound
import Synchronization

/// Every authenticated session by user, for what targets a user rather than a room
/// (bans, streak and achievement pushes).
final class SessionRegistry: UserNotifier {
    private struct UserKey: Hashable {
        var org: String
        var user: String
    }

    private let sessions = Mutex<[UserKey: [UInt64: any FrameSink]]>([:])

    /// Registers a session unless the user already has `limit`; returns whether it was added.
    func add(org: String, user: String, sink: any FrameSink, limit: Int) -> Bool {
        sessions.withLock { sessions in
            let key = UserKey(org: org, user: user)
            guard sessions[key, default: [:]].count < limit else { return false }
            sessions[key, default: [:]][sink.connectionID] = sink
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

    func sinks(org: String, user: String) -> [any FrameSink] {
        sessions.withLock { Array(($0[UserKey(org: org, user: user)] ?? [:]).values) }
    }

    /// Users with at least one session.
    var userCount: Int { sessions.withLock { $0.count } }

    func notify(org: String, user: String, frame: SharedFrame) {
        for sink in sinks(org: org, user: user) { sink.send(frame) }
    }
}
