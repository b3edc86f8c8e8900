import Synchronization

/// The last few entries per key (a user's messages for spam, a conversation's signals for child safety).
///
/// `screen` runs concurrently, so the state sits behind mutexes, sharded by key to keep contention low.
/// Memory is bounded: a fixed number of keys per shard (the oldest-added key is forgotten first) and a
/// fixed number of entries per key (the oldest is overwritten).
final class BoundedHistory<Entry: Sendable>: Sendable {
    private struct Entries {
        var entries: [Entry] = []
        var next = 0

        mutating func append(_ entry: Entry, limit: Int) {
            if entries.count < limit {
                entries.append(entry)
            } else {
                entries[next] = entry
                next = (next + 1) % limit
            }
        }
    }

    private struct Shard {
        var keys: [UInt64: Entries] = [:]
        /// Keys in the order they were added, a ring, for eviction.
        var order: [UInt64] = []
        var oldest = 0

        /// Full size from the start: growing a table rehashes it inside the lock, on some message's
        /// screening time, and the bound is small (a few hundred kilobytes per shard).
        init(capacity: Int) {
            keys.reserveCapacity(capacity)
            order.reserveCapacity(capacity)
        }
    }

    /// A mutex cannot be copied into an array; a class holds each one in place.
    private final class LockedShard: Sendable {
        let state: Mutex<Shard>

        init(capacity: Int) {
            state = Mutex(Shard(capacity: capacity))
        }
    }

    private let shards: [LockedShard]
    private let keysPerShard: Int
    let entriesPerKey: Int

    init(shardCount: Int = 16, maxKeys: Int = 65_536, entriesPerKey: Int) {
        let keysPerShard = max(1, maxKeys / max(1, shardCount))
        shards = (0..<max(1, shardCount)).map { _ in LockedShard(capacity: keysPerShard) }
        self.keysPerShard = keysPerShard
        self.entriesPerKey = max(1, entriesPerKey)
    }

    /// Reads the key's earlier entries (in no particular order) with `read`, then records `entry`.
    func record<Result>(_ entry: Entry, key: UInt64, read: ([Entry]) -> Result) -> Result {
        let shard = shards[Int(truncatingIfNeeded: key % UInt64(shards.count))]
        let capacity = keysPerShard
        let limit = entriesPerKey
        return shard.state.withLock { shard in
            let result = read(shard.keys[key]?.entries ?? [])
            if shard.keys[key] == nil {
                if shard.order.count < capacity {
                    shard.order.append(key)
                } else {
                    shard.keys[shard.order[shard.oldest]] = nil
                    shard.order[shard.oldest] = key
                    shard.oldest = (shard.oldest + 1) % capacity
                }
            }
            shard.keys[key, default: Entries()].append(entry, limit: limit)
            return result
        }
    }

    /// Keys currently remembered (for tests of the memory bound).
    var keyCount: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.keys.count } }
    }
}
