import Synchronization

/// Which loaded rooms each user is a member of, so a presence change reaches exactly
/// those rooms without scanning every room.
final class MembershipIndex: Sendable {
    private struct UserKey: Hashable {
        var org: String
        var user: String
    }

    private let rooms = Mutex<[UserKey: Set<String>]>([:])

    func add(org: String, room: String, users: some Sequence<String>) {
        rooms.withLock { index in
            for user in users { index[UserKey(org: org, user: user), default: []].insert(room) }
        }
    }

    func remove(org: String, room: String, users: some Sequence<String>) {
        rooms.withLock { index in
            for user in users {
                let key = UserKey(org: org, user: user)
                index[key]?.remove(room)
                if index[key]?.isEmpty == true { index[key] = nil }
            }
        }
    }

    func rooms(org: String, user: String) -> Set<String> {
        rooms.withLock { $0[UserKey(org: org, user: user)] ?? [] }
    }
}
