import Wire

/// Receives typing changes to push to a room's other sessions.
public protocol TypingBroadcaster: Sendable {
    func typingChanged(org: String, room: String, user: String, on: Bool) async
}

/// Owns who is typing where: de-duplicates repeats and turns typing off by itself
/// `timeoutMS` after the last `on:true`, or when the user leaves or disconnects.
public actor TypingTracker {
    private struct Key: Hashable {
        var org: String
        var room: String
        var user: String
    }

    private struct Entry {
        var lastBroadcast: Int64
        /// Which `on:true` armed the current timer, so a stale timer does nothing.
        var generation: UInt64
        var expiry: Task<Void, Never>
    }

    private let timeoutMS: Int
    private let dedupMS: Int64
    private let clock: any WallClock
    private var broadcaster: (any TypingBroadcaster)?
    private var typing: [Key: Entry] = [:]
    private var generations: UInt64 = 0

    public init(timeoutMS: Int, dedupMS: Int, clock: any WallClock) {
        self.timeoutMS = timeoutMS
        self.dedupMS = Int64(dedupMS)
        self.clock = clock
    }

    public func attach(_ broadcaster: any TypingBroadcaster) {
        self.broadcaster = broadcaster
    }

    public func typing(org: String, room: String, user: String, on: Bool) async {
        let key = Key(org: org, room: room, user: user)
        guard on else {
            await stop(key)
            return
        }
        let now = clock.nowMS()
        let previous = typing[key]
        previous?.expiry.cancel()
        let rebroadcast = previous.map { now - $0.lastBroadcast >= dedupMS } ?? true
        generations &+= 1
        typing[key] = Entry(
            lastBroadcast: rebroadcast ? now : previous?.lastBroadcast ?? now, generation: generations,
            expiry: expiryTimer(key, generation: generations))
        if rebroadcast {
            await broadcaster?.typingChanged(org: org, room: room, user: user, on: true)
        }
    }

    /// The user left the room or their session went away.
    public func clear(org: String, room: String, user: String) async {
        await stop(Key(org: org, room: room, user: user))
    }

    /// (room, user) pairs currently typing.
    public var trackedCount: Int { typing.count }

    private func stop(_ key: Key) async {
        guard let entry = typing.removeValue(forKey: key) else { return }
        entry.expiry.cancel()
        await broadcaster?.typingChanged(org: key.org, room: key.room, user: key.user, on: false)
    }

    private func expiryTimer(_ key: Key, generation: UInt64) -> Task<Void, Never> {
        let timeout = timeoutMS
        return Task { [weak self] in
            do {
                try await Task.sleep(for: .milliseconds(timeout))
            } catch {
                return  // cancelled by a newer on:true or an explicit off
            }
            await self?.expire(key, generation: generation)
        }
    }

    private func expire(_ key: Key, generation: UInt64) async {
        guard let entry = typing[key], entry.generation == generation else { return }
        await stop(key)
    }
}
