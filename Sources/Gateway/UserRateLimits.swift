import Configuration
import Wire

/// Token buckets every node of a cluster shares (Redis).
protocol SharedRateLimiter: Sendable {
    /// Takes `cost` tokens (all or none); nil when allowed, else the ms to wait. Throws when the
    /// shared buckets cannot be reached (the caller falls back to this node's own).
    func take(key: String, rate: Double, burst: Double, cost: Int) async throws -> Int?
}

/// Per-user token buckets for every kind of request that costs the server work or reaches
/// other people, so one user's flood only ever slows that user. In a cluster the buckets are
/// shared, so a user cannot multiply their rate by spreading sessions over nodes; while the
/// shared buckets are unreachable each node limits with its own.
struct UserRateLimits: Sendable {
    /// The classes of requests that share a bucket.
    enum Operation: String, Sendable, CaseIterable {
        case send, edit, react, signal, history, room, subscribe
    }

    private let limiters: [Operation: KeyedRateLimiter]
    private let limits: [Operation: (rate: Double, burst: Int)]
    private let shared: (any SharedRateLimiter)?
    private let leases = TokenLeases()
    private let clock: any WallClock

    init(_ config: ServerConfig, clock: any WallClock, shared: (any SharedRateLimiter)? = nil) {
        self.shared = shared
        self.clock = clock
        let limits: [Operation: (rate: Double, burst: Int)] = [
            .send: (config.sendRate, config.sendBurst), .edit: (config.editRate, config.editBurst),
            .react: (config.reactRate, config.reactBurst), .signal: (config.signalRate, config.signalBurst),
            .history: (config.historyRate, config.historyBurst), .room: (config.roomRate, config.roomBurst),
            .subscribe: (config.subscribeRate, config.subscribeBurst),
        ]
        self.limits = limits
        limiters = limits.mapValues { KeyedRateLimiter(rate: $0.rate, burst: Double($0.burst), clock: clock) }
    }

    /// Takes one token of `operation` for the user; throws `rate_limited` when none is left.
    func take(_ operation: Operation, org: String, user: String) async throws(RequestError) {
        let key = org + "\u{0}" + user
        let wait: Int?
        if let shared, let limit = limits[operation] {
            do {
                wait = try await takeShared(operation.rawValue + "\u{0}" + key, limit: limit, from: shared)
            } catch {
                wait = limiters[operation]?.take(key)
            }
        } else {
            wait = limiters[operation]?.take(key)
        }
        guard let wait else { return }
        throw RequestError(.rateLimited, "too many \(operation.rawValue) requests; retry later", retryAfterMS: wait)
    }

    /// One token from the shared bucket: from this node's lease when it has one, else a new lease
    /// (or, when the bucket cannot spare a whole lease, a single token).
    private func takeShared(_ key: String, limit: (rate: Double, burst: Int), from shared: any SharedRateLimiter) async throws -> Int? {
        if leases.spend(key, nowMS: clock.nowMS()) { return nil }
        let size = TokenLeases.size(rate: limit.rate, burst: limit.burst)
        let wait = try await shared.take(key: key, rate: limit.rate, burst: Double(limit.burst), cost: size)
        if wait == nil {
            leases.keep(size - 1, for: key, nowMS: clock.nowMS())
            return nil
        }
        guard size > 1 else { return wait }
        return try await shared.take(key: key, rate: limit.rate, burst: Double(limit.burst), cost: 1)
    }

    /// Forgets buckets that refilled to the brim (they behave exactly like new ones) and expired leases.
    func sweep() {
        for limiter in limiters.values { limiter.sweep() }
        leases.sweep(nowMS: clock.nowMS())
    }

    /// Buckets and leases held, over every operation.
    var count: Int { limiters.values.reduce(0) { $0 + $1.count } + leases.count }

    /// The bucket a request draws from, if any (join, leave, ping, refresh and moderation are bounded
    /// by the per-connection frame rate alone).
    static func operation(of request: ClientRequest) -> Operation? {
        switch request {
        case .send: .send
        case .edit, .delete: .edit
        case .react: .react
        case .typing, .read, .setPresence: .signal
        case .history: .history
        case .createRoom, .openDirect: .room
        case .subscribe, .unsubscribe: .subscribe
        case .auth, .refresh, .join, .leave, .ping, .moderate, .kick, .ban: nil
        }
    }
}
