import Broker
import BrokerRedis
import Configuration
import Logging

/// Picks the cluster plumbing the configuration names: Redis when `redis_url` is set (cluster
/// mode), else an in-process broker that links nothing (a single node).
struct ClusterBackend: Sendable {
    let broker: any ClusterBroker
    /// Per-user rate-limit buckets every node shares; nil for a single node.
    let rateLimiter: RedisRateLimiter?

    init(_ config: ServerConfig, logger: Logger) throws {
        guard let url = config.redisURL else {
            broker = InProcessBroker(nodeID: config.nodeID)
            rateLimiter = nil
            return
        }
        let redis = try RedisURL(parsing: url)
        broker = RedisBroker(url: redis, nodeID: config.nodeID, logger: logger)
        rateLimiter = RedisRateLimiter(url: redis, logger: logger)
    }
}

extension RedisRateLimiter: SharedRateLimiter {}
