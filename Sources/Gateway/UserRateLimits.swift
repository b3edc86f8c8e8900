import Configuration
import Wire

/// Per-user token buckets for every kind of request that costs the server work or reaches
/// other people, so one user's flood only ever slows that user.
struct UserRateLimits: Sendable {
    /// The classes of requests that share a bucket.
    enum Operation: String, Sendable, CaseIterable {
        case send, edit, react, signal, history, room, subscribe
    }

    private let limiters: [Operation: KeyedRateLimiter]

    init(_ config: ServerConfig, clock: any WallClock) {
        let limits: [Operation: (rate: Double, burst: Int)] = [
            .send: (config.sendRate, config.sendBurst), .edit: (config.editRate, config.editBurst),
            .react: (config.reactRate, config.reactBurst), .signal: (config.signalRate, config.signalBurst),
            .history: (config.historyRate, config.historyBurst), .room: (config.roomRate, config.roomBurst),
            .subscribe: (config.subscribeRate, config.subscribeBurst),
        ]
        limiters = limits.mapValues { KeyedRateLimiter(rate: $0.rate, burst: Double($0.burst), clock: clock) }
    }

    /// Takes one token of `operation` for the user; throws `rate_limited` when none is left.
    func take(_ operation: Operation, org: String, user: String) throws(RequestError) {
        guard let wait = limiters[operation]?.take(org + "\u{0}" + user) else { return }
        throw RequestError(.rateLimited, "too many \(operation.rawValue) requests; retry later", retryAfterMS: wait)
    }

    /// Forgets buckets that refilled to the brim (they behave exactly like new ones).
    func sweep() {
        for limiter in limiters.values { limiter.sweep() }
    }

    /// Buckets held, over every operation.
    var count: Int { limiters.values.reduce(0) { $0 + $1.count } }

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
