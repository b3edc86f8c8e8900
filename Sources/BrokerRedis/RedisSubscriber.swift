import CHiredis
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A subscribed Redis connection, driven by its own thread: SUBSCRIBEs to `channels` and hands
/// each message to `onMessage`, one at a time and in the order Redis sent them.
///
/// A subscribed connection does nothing else. The thread waits in `poll` (so `stop()` is noticed
/// within 100 ms), sends PING after `timeouts.ping` of silence and gives the connection up when
/// nothing arrives within `timeouts.io` after it. A lost connection is retried with capped
/// exponential backoff and subscribes again.
public final class RedisSubscriber: Sendable {
    public enum Event: Sendable {
        /// Every channel is subscribed; `resubscribe` is false the first time.
        case subscribed(resubscribe: Bool)
        case connectFailed(RedisError)
        case disconnected(RedisError)
    }

    /// Gets the channel and the payload, valid only during the call.
    public typealias MessageHandler = @Sendable (_ channel: String, _ payload: UnsafeRawBufferPointer) -> Void

    public let url: RedisURL
    public let channels: [String]
    public let name: String
    private let timeouts: RedisTimeouts
    private let logger: Logger
    private let onMessage: MessageHandler
    private let onEvent: @Sendable (Event) -> Void

    private struct State {
        var started = false
        var stopping = false
        var exited = false
        var subscribed = false
        var lastError: RedisError?
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init(
        url: RedisURL, channels: [String], name: String, logger: Logger, timeouts: RedisTimeouts = RedisTimeouts(),
        onEvent: @escaping @Sendable (Event) -> Void = { _ in }, onMessage: @escaping MessageHandler
    ) {
        precondition(!channels.isEmpty, "a subscriber needs at least one channel")
        self.url = url
        self.channels = channels
        self.name = name
        self.logger = logger
        self.timeouts = timeouts
        self.onEvent = onEvent
        self.onMessage = onMessage
    }

    /// Starts the subscriber's thread (it connects and subscribes in the background). Called once.
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started && !state.stopping
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "redis-\(name)"
        thread.start()
    }

    /// Stops the thread and closes the connection; returns once the thread has exited.
    public func stop() async {
        let done = state.withLock { state in
            state.stopping = true
            if !state.started { state.exited = true }
            return state.exited
        }
        if done { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited = state.withLock { state in
                if !state.exited { state.exitWaiters.append(continuation) }
                return state.exited
            }
            if exited { continuation.resume() }
        }
    }

    /// Whether every channel is currently subscribed.
    public var isSubscribed: Bool { state.withLock { $0.subscribed } }

    public var lastFailure: RedisError? { state.withLock { $0.lastError } }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    // MARK: - The subscriber's thread

    private func run() {
        var backoff = timeouts.backoffMin
        var everSubscribed = false
        while !isStopping {
            switch RedisSocket.open(url, timeouts: timeouts, selectDB: false) {
            case .failure(let error):
                state.withLock { $0.lastError = error }
                logger.debug("redis subscriber connect failed", metadata: ["redis": "\(url.endpoint)", "error": "\(error)"])
                onEvent(.connectFailed(error))
                sleepWhileRunning(backoff)
                backoff = min(backoff * 2, timeouts.backoffMax)
            case .success(let context):
                var subscribed = false
                let failure = serve(context) {
                    subscribed = true
                    backoff = timeouts.backoffMin
                    state.withLock { state in
                        state.subscribed = true
                        state.lastError = nil
                    }
                    onEvent(.subscribed(resubscribe: everSubscribed))
                    everSubscribed = true
                }
                redisFree(context)
                state.withLock { state in
                    state.subscribed = false
                    if let failure { state.lastError = failure }
                }
                if let failure {
                    logger.debug("redis subscriber connection lost", metadata: ["redis": "\(url.endpoint)", "error": "\(failure)"])
                    onEvent(subscribed ? .disconnected(failure) : .connectFailed(failure))
                    if !subscribed {
                        sleepWhileRunning(backoff)
                        backoff = min(backoff * 2, timeouts.backoffMax)
                    }
                }
            }
        }
        let waiters = state.withLock { state in
            state.exited = true
            defer { state.exitWaiters = [] }
            return state.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Subscribes and reads messages until the connection breaks (returns why) or stops (nil).
    private func serve(_ context: RedisSocket.Context, subscribed: () -> Void) -> RedisError? {
        var subscribe = RedisCommand()
        subscribe.append("SUBSCRIBE")
        for channel in channels { subscribe.append(channel) }
        guard subscribe.append(to: context), RedisSocket.flush(context) else {
            return .connectionLost(RedisSocket.errorText(context))
        }
        let ping = RedisCommand(["PING"])
        let ioNanos = timeouts.io.nanoseconds
        let pingNanos = timeouts.ping.nanoseconds
        let connectedAt = monotonicNanos()
        var confirmed = 0
        var lastRead = connectedAt
        var pingSentAt: UInt64?
        while true {
            // Everything already read and parsed, in order.
            while true {
                var raw: UnsafeMutableRawPointer?
                guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
                    return .connectionLost("protocol error: \(RedisSocket.errorText(context))")
                }
                guard let raw else { break }
                defer { freeReplyObject(raw) }
                switch handle(raw.assumingMemoryBound(to: redisReply.self)) {
                case .message, .other: break
                case .subscribeConfirmed:
                    confirmed += 1
                    if confirmed == channels.count { subscribed() }
                case .pong: pingSentAt = nil
                case .error(let message): return .server(message)
                }
            }
            if isStopping { return nil }
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR {
                return .connectionLost("poll: \(String(cString: strerror(errno)))")
            }
            let now = monotonicNanos()
            if ready > 0 {
                guard redisBufferRead(context) == REDIS_OK else { return .connectionLost(RedisSocket.errorText(context)) }
                lastRead = now
                pingSentAt = nil
                continue
            }
            if confirmed < channels.count, now &- connectedAt > ioNanos {
                return .connectionLost("SUBSCRIBE not confirmed within \(timeouts.io)")
            }
            if let sent = pingSentAt {
                if now &- sent > ioNanos { return .connectionLost("no reply to PING within \(timeouts.io)") }
            } else if now &- lastRead > pingNanos {
                guard ping.append(to: context), RedisSocket.flush(context) else {
                    return .connectionLost(RedisSocket.errorText(context))
                }
                pingSentAt = now
            }
        }
    }

    private enum Handled {
        case message, subscribeConfirmed, pong, other
        case error(String)
    }

    /// One pushed reply: ["message", channel, payload], ["subscribe", channel, count] or ["pong", ""].
    private func handle(_ reply: UnsafePointer<redisReply>) -> Handled {
        let r = reply.pointee
        if r.type == REDIS_REPLY_ERROR {
            return .error(Self.bytes(r).map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        guard r.type == REDIS_REPLY_ARRAY, r.elements >= 1, let elements = r.element, let kindReply = elements[0],
              let kind = Self.bytes(kindReply.pointee)
        else { return .other }
        if Self.equals(kind, "message"), r.elements == 3, let channelReply = elements[1], let payloadReply = elements[2] {
            let channel = Self.bytes(channelReply.pointee).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let payload = Self.bytes(payloadReply.pointee) ?? UnsafeRawBufferPointer(start: nil, count: 0)
            onMessage(channel, payload)
            return .message
        }
        if Self.equals(kind, "subscribe") { return .subscribeConfirmed }
        if Self.equals(kind, "pong") { return .pong }
        return .other
    }

    private static func bytes(_ r: redisReply) -> UnsafeRawBufferPointer? {
        guard r.type == REDIS_REPLY_STRING || r.type == REDIS_REPLY_STATUS || r.type == REDIS_REPLY_ERROR else { return nil }
        return UnsafeRawBufferPointer(start: r.str, count: r.str == nil ? 0 : Int(r.len))
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount
            && bytes.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private func sleepWhileRunning(_ duration: Duration) {
        let deadline = monotonicNanos() &+ duration.nanoseconds
        while !isStopping {
            let now = monotonicNanos()
            if now >= deadline { return }
            usleep(UInt32(min(deadline - now, 50_000_000) / 1_000))
        }
    }
}
