import CHiredis
#if canImport(Glibc)
import Glibc
#endif

/// Timing shared by both kinds of connection.
public struct RedisTimeouts: Sendable {
    /// How long a TCP connect may take.
    public var connect: Duration = .seconds(1)
    /// A read or write that waits longer than this breaks the connection (a dead or hung server).
    public var io: Duration = .seconds(2)
    /// An idle connection sends PING this often, so a dead server is noticed without traffic.
    public var ping: Duration = .seconds(1)
    /// Reconnect backoff: doubles from `backoffMin` up to `backoffMax`, forever until stopped.
    public var backoffMin: Duration = .milliseconds(100)
    public var backoffMax: Duration = .seconds(2)

    public init() {}
}

/// Synchronous hiredis helpers, called only on a connection's own thread.
enum RedisSocket {
    typealias Context = UnsafeMutablePointer<redisContext>

    /// Connects, arms socket timeouts and keepalive, then AUTH and (when `selectDB`) SELECT.
    static func open(_ url: RedisURL, timeouts: RedisTimeouts, selectDB: Bool) -> Result<Context, RedisError> {
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), timeval(timeouts.connect)) else {
            return .failure(.disconnected("cannot allocate a hiredis context"))
        }
        if context.pointee.err != 0 {
            let message = errorText(context)
            redisFree(context)
            return .failure(.disconnected(message))
        }
        _ = redisSetTimeout(context, timeval(timeouts.io))
        _ = redisEnableKeepAlive(context)
        var setup: [RedisCommand] = []
        if let password = url.password {
            setup.append(RedisCommand(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]))
        }
        if selectDB, url.db != 0 { setup.append(RedisCommand(["SELECT", String(url.db)])) }
        // A hung server still completes TCP handshakes (the kernel's backlog): only a reply proves it is there.
        setup.append(RedisCommand(["PING"]))
        for command in setup {
            switch roundTrip(context, command) {
            case .success(.error(let message)):
                redisFree(context)
                return .failure(.server("\(String(decoding: command.argument(0), as: UTF8.self)): \(message)"))
            case .success: continue
            case .failure(let error):
                redisFree(context)
                return .failure(error)
            }
        }
        return .success(context)
    }

    /// Sends one command and waits for its reply (blocking, bounded by the socket timeout).
    static func roundTrip(_ context: Context, _ command: RedisCommand) -> Result<RedisReply, RedisError> {
        guard command.append(to: context) else { return .failure(.connectionLost(errorText(context))) }
        return readReply(context)
    }

    /// Reads one reply (flushing pending output first), blocking up to the socket timeout.
    static func readReply(_ context: Context) -> Result<RedisReply, RedisError> {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            return .failure(.connectionLost(errorText(context)))
        }
        defer { freeReplyObject(raw) }
        return .success(RedisReply(raw.assumingMemoryBound(to: redisReply.self)))
    }

    /// Writes the whole output buffer.
    static func flush(_ context: Context) -> Bool {
        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != REDIS_OK { return false }
        }
        return true
    }

    static func errorText(_ context: Context) -> String {
        var errstr = context.pointee.errstr
        let text = withUnsafeBytes(of: &errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if text.isEmpty { return "connection closed" }
        // What a socket timeout (SO_RCVTIMEO) surfaces as.
        if text == "Resource temporarily unavailable" { return "timed out (no reply from the server)" }
        return text
    }

    static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

/// Monotonic nanoseconds (CLOCK_MONOTONIC).
@inline(__always)
func monotonicNanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    var timeInterval: Double { Double(nanoseconds) / 1e9 }
}
