import Wire

/// Receives presence changes to push into the rooms the user is a member of.
public protocol PresenceBroadcaster: Sendable {
    func presenceChanged(org: String, user: String, status: PresenceStatus, lastSeen: Int64) async
}

/// A user's presence as shown to others.
public struct PresenceState: Sendable, Equatable {
    public var status: PresenceStatus
    public var lastSeen: Int64
}

/// Owns who is online: a user is online (or away) while any session of theirs is connected,
/// and offline once the last one has been gone for `graceMS`, so a quick reconnect is invisible.
public actor PresenceTracker {
    private struct UserKey: Hashable {
        var org: String
        var user: String
    }

    private struct Entry {
        var sessions = 0
        /// What the user asked for with `presence.set` (online or away).
        var chosen: PresenceStatus = .online
        var shown: PresenceStatus = .offline
        var lastSeen: Int64 = 0
        /// Bumped on every connect so a stale grace timer does nothing.
        var generation = 0
    }

    private let graceMS: Int
    private let clock: any WallClock
    private var broadcaster: (any PresenceBroadcaster)?
    private var entries: [UserKey: Entry] = [:]

    public init(graceMS: Int, clock: any WallClock) {
        self.graceMS = graceMS
        self.clock = clock
    }

    /// Set once at wiring time (the broadcaster is built after the tracker).
    public func attach(_ broadcaster: any PresenceBroadcaster) {
        self.broadcaster = broadcaster
    }

    public func sessionOpened(org: String, user: String) async {
        let key = UserKey(org: org, user: user)
        var entry = entries[key] ?? Entry()
        entry.sessions += 1
        entry.generation += 1
        entry.lastSeen = clock.nowMS()
        entries[key] = entry
        await show(entry.chosen, for: key)
    }

    public func sessionClosed(org: String, user: String) async {
        let key = UserKey(org: org, user: user)
        guard var entry = entries[key] else { return }
        entry.sessions = max(0, entry.sessions - 1)
        entry.lastSeen = clock.nowMS()
        entries[key] = entry
        guard entry.sessions == 0 else { return }
        let generation = entry.generation
        let grace = graceMS
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(grace))
            await self?.graceEnded(key, generation: generation)
        }
    }

    /// `presence.set`: away or online, for all of the user's sessions.
    public func setStatus(org: String, user: String, status: PresenceStatus) async {
        let key = UserKey(org: org, user: user)
        guard var entry = entries[key], entry.sessions > 0 else { return }
        entry.chosen = status
        entry.lastSeen = clock.nowMS()
        entries[key] = entry
        await show(status, for: key)
    }

    /// Presence of the given users; those never seen are offline with `lastSeen` 0.
    public func states(org: String, users: [String]) -> [String: PresenceState] {
        var result: [String: PresenceState] = [:]
        result.reserveCapacity(users.count)
        let now = clock.nowMS()
        for user in users {
            guard let entry = entries[UserKey(org: org, user: user)] else { continue }
            let lastSeen = entry.shown == .offline ? entry.lastSeen : now
            result[user] = PresenceState(status: entry.shown, lastSeen: lastSeen)
        }
        return result
    }

    /// Users held in memory: connected ones, and those within their grace period.
    public var trackedUsers: Int { entries.count }

    private func graceEnded(_ key: UserKey, generation: Int) async {
        guard let entry = entries[key], entry.generation == generation, entry.sessions == 0 else { return }
        await show(.offline, for: key)
        // Forget the user; their last_seen lives on in storage. Keeps memory bounded by online users.
        if entries[key]?.generation == generation { entries[key] = nil }
    }

    private func show(_ status: PresenceStatus, for key: UserKey) async {
        guard var entry = entries[key], entry.shown != status else { return }
        entry.shown = status
        entries[key] = entry
        await broadcaster?.presenceChanged(org: key.org, user: key.user, status: status, lastSeen: entry.lastSeen)
    }
}
