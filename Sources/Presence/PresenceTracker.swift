import Broker
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

/// Owns who is online: a user is online (or away) while any session of theirs is connected on
/// any node, and offline once the last one has been gone for `graceMS`, so a quick reconnect is
/// invisible. This node's sessions are counted here; other nodes report theirs through the
/// broker (a user online there, or every user of a node whose heartbeats stopped going offline).
public actor PresenceTracker {
    private struct UserKey: Hashable {
        var org: String
        var user: String
    }

    private struct Entry {
        var sessions = 0
        /// What the user asked for with `presence.set` (online or away).
        var chosen: PresenceStatus = .online
        /// This node's view: offline once no session is left here and the grace passed.
        var local: PresenceStatus = .offline
        /// Other nodes where the user has a session.
        var remote: Set<String> = []
        /// What rooms were last told.
        var shown: PresenceStatus = .offline
        var lastSeen: Int64 = 0
        /// Bumped on every connect so a stale grace timer does nothing.
        var generation = 0

        var effective: PresenceStatus { local != .offline ? local : (remote.isEmpty ? .offline : .online) }
    }

    private let graceMS: Int
    private let clock: any WallClock
    private let broker: any ClusterBroker
    private var broadcaster: (any PresenceBroadcaster)?
    private var entries: [UserKey: Entry] = [:]

    public init(graceMS: Int, clock: any WallClock, broker: any ClusterBroker) {
        self.graceMS = graceMS
        self.clock = clock
        self.broker = broker
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
        await setLocal(entry.chosen, for: key)
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

    /// `presence.set`: away or online, for all of the user's sessions on this node.
    public func setStatus(org: String, user: String, status: PresenceStatus) async {
        let key = UserKey(org: org, user: user)
        guard var entry = entries[key], entry.sessions > 0 else { return }
        entry.chosen = status
        entry.lastSeen = clock.nowMS()
        entries[key] = entry
        await setLocal(status, for: key)
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

    /// Users held in memory: connected ones here or elsewhere, and those within their grace period.
    public var trackedUsers: Int { entries.count }

    // MARK: Other nodes

    /// A user's sessions on `node` came or all went.
    public func remote(org: String, user: String, node: String, online: Bool, lastSeen: Int64) async {
        let key = UserKey(org: org, user: user)
        var entry = entries[key] ?? Entry()
        if online { entry.remote.insert(node) } else { entry.remote.remove(node) }
        entry.lastSeen = max(entry.lastSeen, lastSeen)
        entries[key] = entry
        await update(key)
    }

    /// Everyone of `org` online on `node`, replacing what was known of that node in that org.
    public func remoteSnapshot(org: String, node: String, online: [String]) async {
        let now = Set(online)
        let known = entries.compactMap { $0.key.org == org && $0.value.remote.contains(node) ? $0.key.user : nil }
        for user in known where !now.contains(user) {
            await remote(org: org, user: user, node: node, online: false, lastSeen: clock.nowMS())
        }
        for user in now { await remote(org: org, user: user, node: node, online: true, lastSeen: clock.nowMS()) }
    }

    /// A node stopped (its heartbeats did): its users are offline unless connected elsewhere.
    public func nodeGone(_ node: String) async {
        let now = clock.nowMS()
        for (key, entry) in entries where entry.remote.contains(node) {
            entries[key]?.remote.remove(node)
            entries[key]?.lastSeen = max(entry.lastSeen, now)
            await update(key)
        }
    }

    /// The other nodes where the user has a session now, by node id.
    public func otherNodes(org: String, user: String) -> [String] {
        (entries[UserKey(org: org, user: user)]?.remote ?? []).sorted()
    }

    /// Every user of every org connected to this node, for a node that asked to re-sync.
    public func localSnapshot() -> [String: [String]] {
        var byOrg: [String: [String]] = [:]
        for (key, entry) in entries where entry.local != .offline { byOrg[key.org, default: []].append(key.user) }
        return byOrg
    }

    // MARK: Internals

    private func graceEnded(_ key: UserKey, generation: Int) async {
        guard let entry = entries[key], entry.generation == generation, entry.sessions == 0 else { return }
        await setLocal(.offline, for: key)
    }

    private func setLocal(_ status: PresenceStatus, for key: UserKey) async {
        guard var entry = entries[key], entry.local != status else { return }
        let wasOnline = entry.local != .offline
        entry.local = status
        entries[key] = entry
        if wasOnline != (status != .offline) {
            broker.publish(ClusterEvent(
                origin: broker.nodeID, org: key.org,
                body: .presence(user: key.user, online: status != .offline, lastSeen: entry.lastSeen)))
        }
        await update(key)
    }

    /// Tells rooms when what others see changed; forgets users nobody is connected as.
    private func update(_ key: UserKey) async {
        guard var entry = entries[key] else { return }
        let status = entry.effective
        if entry.shown != status {
            entry.shown = status
            entries[key] = entry
            await broadcaster?.presenceChanged(org: key.org, user: key.user, status: status, lastSeen: entry.lastSeen)
        }
        // Their last_seen lives on in storage: memory stays bounded by online users.
        if let current = entries[key], current.sessions == 0, current.local == .offline, current.remote.isEmpty, current.shown == .offline {
            entries[key] = nil
        }
    }
}
