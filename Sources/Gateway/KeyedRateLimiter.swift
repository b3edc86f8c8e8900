import Synchronization
import Wire

/// Token buckets by key (a user, an IP address), shared by every session and the transport thread.
/// A plain lock, not an actor: callers include the transport thread, which must not await.
final class KeyedRateLimiter: Sendable {
    private let rate: Double
    private let burst: Double
    private let clock: any WallClock
    private let buckets = Mutex<[String: TokenBucket]>([:])
    /// Above this many keys, full buckets are dropped (they behave exactly like new ones).
    private let pruneThreshold = 10_000

    init(rate: Double, burst: Double, clock: any WallClock) {
        self.rate = rate
        self.burst = burst
        self.clock = clock
    }

    /// nil when allowed; otherwise the ms to wait.
    func take(_ key: String) -> Int? {
        let now = clock.nowMS()
        return buckets.withLock { buckets in
            if buckets.count > pruneThreshold { Self.dropFull(&buckets, now: now) }
            var bucket = buckets[key] ?? TokenBucket(rate: rate, burst: burst, nowMS: now)
            let wait = bucket.take(nowMS: now)
            buckets[key] = bucket
            return wait
        }
    }

    /// Drops full buckets (they behave exactly like new ones), so keys that went quiet cost nothing.
    func sweep() {
        let now = clock.nowMS()
        buckets.withLock { Self.dropFull(&$0, now: now) }
    }

    /// Keys with a bucket in memory.
    var count: Int { buckets.withLock { $0.count } }

    private static func dropFull(_ buckets: inout [String: TokenBucket], now: Int64) {
        buckets = buckets.filter { _, bucket in
            var bucket = bucket
            return !bucket.isFull(nowMS: now)
        }
    }
}
