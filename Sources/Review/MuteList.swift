import Synchronization

/// Who is muted where, checked synchronously on every send (a lock, not an actor hop).
public final class MuteList: Sendable {
    private struct Key: Hashable {
        var org: String
        var room: String
        var user: String
    }

    private let mutes = Mutex<[Key: Int64]>([:])

    public init() {}

    public func mute(org: String, room: String, user: String, until: Int64) {
        mutes.withLock { $0[Key(org: org, room: room, user: user)] = until }
    }

    /// When the mute ends (ms), or nil when the user may send. Expired mutes are forgotten.
    public func mutedUntil(org: String, room: String, user: String, now: Int64) -> Int64? {
        mutes.withLock { mutes in
            let key = Key(org: org, room: room, user: user)
            guard let until = mutes[key] else { return nil }
            guard until > now else {
                mutes[key] = nil
                return nil
            }
            return until
        }
    }

    /// Forgets every mute that has ended, including those of users who never send again.
    public func sweep(now: Int64) {
        mutes.withLock { mutes in mutes = mutes.filter { $0.value > now } }
    }

    /// Mutes held in memory (ended ones count until swept or checked).
    public var count: Int { mutes.withLock { $0.count } }
}
