import Synchronization

/// Each user's last few messages (a hash and a time), to spot repeats and link floods across messages.
///
/// `screen` runs concurrently, so the state sits behind mutexes, sharded by user to keep contention low.
/// Memory is bounded: a fixed number of users per shard (the oldest-added user is forgotten first) and a
/// fixed number of messages per user.
final class RecentMessageLog: Sendable {
    struct Entry {
        var textHash: UInt64
        var links: Int
        var time: UInt64
    }

    /// The most recent messages kept per user: enough for `repeatCount` and link counts in any sane window.
    static let messagesPerUser = 16

    private struct UserHistory {
        var entries: [Entry] = []
        var next = 0

        mutating func append(_ entry: Entry) {
            if entries.count < RecentMessageLog.messagesPerUser {
                entries.append(entry)
            } else {
                entries[next] = entry
                next = (next + 1) % RecentMessageLog.messagesPerUser
            }
        }
    }

    private struct Shard {
        var users: [UInt64: UserHistory] = [:]
        /// Users in the order they were added, a ring, for eviction.
        var order: [UInt64] = []
        var oldest = 0
    }

    /// A mutex cannot be copied into an array; a class holds each one in place.
    private final class LockedShard: Sendable {
        let state = Mutex(Shard())
    }

    private let shards: [LockedShard]
    private let usersPerShard: Int

    init(shardCount: Int = 16, maxUsers: Int = 65_536) {
        shards = (0..<max(1, shardCount)).map { _ in LockedShard() }
        usersPerShard = max(1, maxUsers / max(1, shardCount))
    }

    /// Records a message and returns, for the window before it, how many had the same hash and how many links they had.
    func record(user: UInt64, _ entry: Entry, window: UInt64) -> (sameText: Int, links: Int) {
        let shard = shards[Int(truncatingIfNeeded: user % UInt64(shards.count))]
        let capacity = usersPerShard
        return shard.state.withLock { shard in
            var sameText = 0
            var links = 0
            if let history = shard.users[user] {
                for earlier in history.entries where entry.time &- earlier.time <= window {
                    if earlier.textHash == entry.textHash { sameText += 1 }
                    links += earlier.links
                }
            } else {
                if shard.order.count < capacity {
                    shard.order.append(user)
                } else {
                    shard.users[shard.order[shard.oldest]] = nil
                    shard.order[shard.oldest] = user
                    shard.oldest = (shard.oldest + 1) % capacity
                }
            }
            shard.users[user, default: UserHistory()].append(entry)
            return (sameText, links)
        }
    }

    /// Users currently remembered (for tests of the memory bound).
    var userCount: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.users.count } }
    }
}
