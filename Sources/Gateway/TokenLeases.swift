import Synchronization

/// Tokens this node already took from users' shared (cluster-wide) buckets and may spend without
/// asking Redis again.
///
/// A lease is taken from the shared bucket before any of it is spent, so the cluster-wide limit
/// still holds exactly; what a lease costs is that tokens left unspent when it expires (a user
/// moving to another node) are forfeited. Leases are therefore small and short: at most a quarter
/// of the burst and 200 ms of the rate, gone after `lifetimeMS`. With the default limits (a few
/// requests per second) a lease is one token, i.e. every request asks Redis; leases pay off for
/// high limits (bots, integrations, load tests), where a Redis round trip per request would be
/// most of the cost of the request.
final class TokenLeases: Sendable {
    static let lifetimeMS: Int64 = 1_000

    private struct Lease {
        var tokens: Int
        var expiresMS: Int64
    }

    private let leases = Mutex<[String: Lease]>([:])

    /// How many tokens to take at once from a bucket of this rate (per second) and burst.
    static func size(rate: Double, burst: Int) -> Int {
        max(1, Int(min(Double(burst) / 4, rate / 5)))
    }

    /// Spends one leased token of `key`, if a live lease has one.
    func spend(_ key: String, nowMS: Int64) -> Bool {
        leases.withLock { leases in
            guard var lease = leases[key], lease.expiresMS > nowMS, lease.tokens > 0 else { return false }
            lease.tokens -= 1
            leases[key] = lease.tokens > 0 ? lease : nil
            return true
        }
    }

    /// Keeps `tokens` (already taken from the shared bucket) for later requests of `key`.
    func keep(_ tokens: Int, for key: String, nowMS: Int64) {
        guard tokens > 0 else { return }
        leases.withLock { leases in
            var lease = leases[key].flatMap { $0.expiresMS > nowMS ? $0 : nil } ?? Lease(tokens: 0, expiresMS: nowMS + Self.lifetimeMS)
            lease.tokens += tokens
            leases[key] = lease
        }
    }

    /// Drops expired leases.
    func sweep(nowMS: Int64) {
        leases.withLock { leases in leases = leases.filter { $0.value.expiresMS > nowMS } }
    }

    var count: Int { leases.withLock { $0.count } }
}
