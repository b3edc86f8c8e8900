import Logging
import Synchronization

/// Cluster-wide token buckets in Redis (GCRA): every node asks the same key, so a user's limit
/// holds however many nodes their sessions are spread over.
///
/// One `EVALSHA` per `take`; the script reads Redis' own clock (`TIME`), so node clocks do not
/// matter, and a key lives only as long as its bucket is not full again (`PEXPIRE`). When Redis
/// cannot be reached `take` throws a `RedisError`: the caller falls back to its local buckets.
public final class RedisRateLimiter: Sendable {
    /// GCRA: a bucket is its theoretical arrival time (TAT, ms on Redis' clock). A take of `cost`
    /// tokens is allowed when TAT + cost·interval - burst·interval ≤ now, and moves TAT to
    /// max(TAT, now) + cost·interval. Returns 0 when allowed, else the ms until it would be.
    public static let script = """
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local cost = tonumber(ARGV[3]) or 1
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
        local tat = tonumber(redis.call('GET', KEYS[1]))
        if tat == nil or tat < now then tat = now end
        local allowAt = tat + interval * cost - interval * burst
        if allowAt > now then
          return math.max(1, math.ceil(allowAt - now))
        end
        local newTat = tat + interval * cost
        redis.call('SET', KEYS[1], string.format('%.3f', newTat))
        redis.call('PEXPIRE', KEYS[1], math.ceil(newTat - now) + 1)
        return 0
        """

    public let keyPrefix: String
    private let connection: RedisConnection
    private let logger: Logger
    private let sha = Mutex<String?>(nil)

    /// - Parameter keyPrefix: prepended to every key (`rts:rl:` + e.g. `send:acme:u1`).
    public init(url: RedisURL, logger: Logger, keyPrefix: String = "rts:rl:", timeouts: RedisTimeouts = RedisTimeouts()) {
        self.keyPrefix = keyPrefix
        var logger = logger
        logger[metadataKey: "redis"] = "\(url.endpoint)"
        self.logger = logger
        connection = RedisConnection(url: url, name: "ratelimit", logger: logger, maxPending: 10_000, timeouts: timeouts)
    }

    /// Connects in the background (and keeps reconnecting); `take` throws until connected.
    public func start() { connection.start() }

    public func stop() async { await connection.stop() }

    public var isConnected: Bool { connection.isConnected }

    /// Takes `cost` tokens (all or none) from the bucket `key` (refilled at `rate` per second,
    /// holding at most `burst`). Returns nil when allowed, else the milliseconds until they are
    /// there. Throws `RedisError` when Redis cannot answer (fall back to a local bucket then).
    public func take(key: String, rate: Double, burst: Double, cost: Int = 1) async throws -> Int? {
        let interval = 1000.0 / max(rate, 1e-6)
        let arguments = ["1", keyPrefix + key, String(interval), String(max(burst, 1)), String(max(cost, 1))]
        let reply: RedisReply
        if let loaded = sha.withLock({ $0 }) {
            let first = try await connection.command(["EVALSHA", loaded] + arguments)
            if case .error(let message) = first, message.hasPrefix("NOSCRIPT") {
                // Redis restarted or flushed its script cache: EVAL runs and caches it again.
                reply = try await connection.command(["EVAL", Self.script] + arguments)
            } else {
                reply = first
            }
        } else {
            let loaded = try await connection.command(["SCRIPT", "LOAD", Self.script])
            guard let digest = loaded.text, !loaded.isError else {
                throw RedisError.unexpectedReply("SCRIPT LOAD: \(loaded)")
            }
            sha.withLock { $0 = digest }
            reply = try await connection.command(["EVALSHA", digest] + arguments)
        }
        switch reply {
        case .integer(let wait):
            return wait <= 0 ? nil : Int(clamping: wait)
        case .error(let message):
            throw RedisError.server(message)
        default:
            throw RedisError.unexpectedReply("\(reply)")
        }
    }
}
