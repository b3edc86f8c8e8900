import CHiredis
import Foundation
import Logging
import Metrics

/// A Redis connection for commands, driven by its own thread (callers never block and never
/// run hiredis code).
///
/// Callers enqueue commands from any thread; the thread writes everything queued in one go
/// (pipelining), then reads the replies in order and completes each caller. While idle the thread
/// polls its socket (a closed or reset connection is noticed at once) and sends PING after each
/// `timeouts.ping` of silence; every read or write is bounded by `timeouts.io`, so a dead or hung
/// server is noticed too. A lost connection is retried with capped exponential backoff until `stop()`.
///
/// While disconnected, `command` fails at once with `RedisError.disconnected` and `send` drops;
/// nothing queues up. At most `maxPending` commands wait or are in flight; beyond that `command`
/// fails with `RedisError.queueFull` and `send` drops. Drops are counted in `rts_broker_dropped_total`.
public final class RedisConnection: @unchecked Sendable {
    /// What the connection's thread reports (on that thread, in order).
    public enum Event: Sendable {
        /// Connected (and authenticated); `reconnect` is false the first time.
        case connected(reconnect: Bool)
        /// A connect attempt failed; the next one follows after the backoff.
        case connectFailed(RedisError)
        /// An established connection broke.
        case disconnected(RedisError)
    }

    /// What happened to a `send`: Redis' reply and the time since `send` was called, or nil when
    /// the connection broke before the reply came.
    public typealias SendObserver = @Sendable (_ reply: RedisReply?, _ latencyNanos: UInt64) -> Void

    public let url: RedisURL
    public let name: String
    public let maxPending: Int
    private let timeouts: RedisTimeouts
    private let logger: Logger
    private let onEvent: @Sendable (Event) -> Void
    private let onSendReply: SendObserver?

    private enum Completion {
        case send(enqueuedAt: UInt64)
        case reply(CheckedContinuation<RedisReply, any Error>)
    }

    private struct Entry {
        var command: RedisCommand
        var completion: Completion
    }

    // Guarded by `condition` (used as a lock; the thread waits in poll on `wakeFD` and its socket).
    private let condition = NSCondition()
    /// An eventfd the thread polls while idle or backing off; written when work or stop arrives.
    private let wakeFD: Int32
    /// The thread is parked in poll and needs `wakeFD` written to notice a new command.
    private var idle = false
    private var queue: [Entry] = []
    private var inFlight = 0
    private var connected = false
    private var stopping = false
    private var started = false
    private var exited = false
    private var lastError: RedisError?
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []

    private let droppedDisconnected: Counter
    private let droppedQueueFull: Counter
    private let droppedConnectionLost: Counter

    public init(
        url: RedisURL, name: String, logger: Logger, maxPending: Int = 100_000, timeouts: RedisTimeouts = RedisTimeouts(),
        onEvent: @escaping @Sendable (Event) -> Void = { _ in }, onSendReply: SendObserver? = nil
    ) {
        self.url = url
        self.name = name
        self.logger = logger
        self.maxPending = maxPending
        self.timeouts = timeouts
        self.onEvent = onEvent
        self.onSendReply = onSendReply
        droppedDisconnected = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "disconnected")])
        droppedQueueFull = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "queue_full")])
        droppedConnectionLost = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "connection_lost")])
        wakeFD = rts_wake_create()
    }

    deinit {
        if wakeFD >= 0 { close(wakeFD) }
    }

    /// Starts the connection's thread (it connects in the background). Called once.
    public func start() {
        condition.lock()
        let first = !started && !stopping
        started = true
        condition.unlock()
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "redis-\(name)"
        thread.start()
    }

    /// Stops the thread: pending commands fail with `RedisError.stopped`. Returns once it exited.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            requestStop(resumingWhenExited: continuation)
        }
    }

    private func requestStop(resumingWhenExited continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        stopping = true
        if !started { exited = true }
        let done = exited
        if !done { exitWaiters.append(continuation) }
        condition.unlock()
        rts_wake_signal(wakeFD)
        if done { continuation.resume() }
    }

    /// Whether the connection is up (commands are being sent).
    public var isConnected: Bool {
        condition.lock()
        defer { condition.unlock() }
        return connected
    }

    /// Why the last connect attempt or connection failed.
    public var lastFailure: RedisError? {
        condition.lock()
        defer { condition.unlock() }
        return lastError
    }

    /// Runs a command and returns its reply (an error reply is a reply, not a throw). Throws
    /// `RedisError` when the command could not be sent or its reply could not be read.
    public func command(_ command: RedisCommand) async throws -> RedisReply {
        try await withCheckedThrowingContinuation { continuation in
            if let error = enqueue(Entry(command: command, completion: .reply(continuation))) {
                continuation.resume(throwing: error)
            }
        }
    }

    public func command(_ args: [String]) async throws -> RedisReply {
        try await command(RedisCommand(args))
    }

    public func command(_ args: [[UInt8]]) async throws -> RedisReply {
        try await command(RedisCommand(args))
    }

    /// Queues a command whose reply only `onSendReply` sees (PUBLISH). Never blocks. Returns false
    /// (and counts the drop) when disconnected, stopped or full.
    @discardableResult
    public func send(_ command: RedisCommand) -> Bool {
        enqueue(Entry(command: command, completion: .send(enqueuedAt: monotonicNanos()))) == nil
    }

    @discardableResult
    public func send(_ args: [String]) -> Bool { send(RedisCommand(args)) }

    @discardableResult
    public func send(_ args: [[UInt8]]) -> Bool { send(RedisCommand(args)) }

    /// Queues the entry, or says why not (and counts a dropped send).
    private func enqueue(_ entry: Entry) -> RedisError? {
        condition.lock()
        let error: RedisError?
        var wake = false
        if stopping {
            error = .stopped
        } else if !connected {
            error = .disconnected(lastError?.description ?? "not connected yet")
        } else if queue.count + inFlight >= maxPending {
            error = .queueFull
        } else {
            error = nil
            queue.append(entry)
            if idle {
                idle = false
                wake = true
            }
        }
        condition.unlock()
        if wake { rts_wake_signal(wakeFD) }
        if let error, case .send = entry.completion {
            if case .queueFull = error { droppedQueueFull.increment() } else { droppedDisconnected.increment() }
        }
        return error
    }

    // MARK: - The connection's thread

    private func run() {
        var backoff = timeouts.backoffMin
        var everConnected = false
        while !isStopping {
            switch RedisSocket.open(url, timeouts: timeouts, selectDB: true) {
            case .failure(let error):
                condition.lock()
                lastError = error
                condition.unlock()
                logger.debug("redis connect failed", metadata: ["connection": "\(name)", "redis": "\(url.endpoint)", "error": "\(error)"])
                onEvent(.connectFailed(error))
                waitWhileRunning(backoff)
                backoff = min(backoff * 2, timeouts.backoffMax)
            case .success(let context):
                backoff = timeouts.backoffMin
                condition.lock()
                connected = true
                lastError = nil
                condition.unlock()
                onEvent(.connected(reconnect: everConnected))
                everConnected = true
                let failure = serve(context)
                redisFree(context)
                condition.lock()
                connected = false
                inFlight = 0
                if let failure { lastError = failure }
                let orphans = queue
                queue = []
                condition.unlock()
                fail(orphans[...], failure ?? .stopped)
                if let failure {
                    logger.debug("redis connection lost", metadata: ["connection": "\(name)", "redis": "\(url.endpoint)", "error": "\(failure)"])
                    onEvent(.disconnected(failure))
                }
            }
        }
        condition.lock()
        exited = true
        let orphans = queue
        queue = []
        let waiters = exitWaiters
        exitWaiters = []
        condition.unlock()
        fail(orphans[...], .stopped)
        for waiter in waiters { waiter.resume() }
    }

    /// Serves one established connection until it breaks (returns why) or the connection stops (nil).
    private func serve(_ context: RedisSocket.Context) -> RedisError? {
        var batch: [Entry] = []
        let pingCommand = RedisCommand(["PING"])
        while true {
            condition.lock()
            if queue.isEmpty && !stopping {
                idle = true
                condition.unlock()
                let outcome = waitIdle(context)
                condition.lock()
                idle = false
                if case .failed(let error) = outcome {
                    condition.unlock()
                    return error
                }
                if case .timedOut = outcome, queue.isEmpty, !stopping {
                    condition.unlock()
                    // Idle for a whole ping interval: prove the server is still there.
                    switch RedisSocket.roundTrip(context, pingCommand) {
                    case .success: continue
                    case .failure(let error): return error
                    }
                }
            }
            if stopping {
                condition.unlock()
                return nil
            }
            swap(&batch, &queue)
            inFlight = batch.count
            condition.unlock()

            if batch.isEmpty { continue }
            for entry in batch where !entry.command.append(to: context) {
                let error = RedisError.connectionLost(RedisSocket.errorText(context))
                fail(batch[...], error)
                return error
            }
            guard RedisSocket.flush(context) else {
                let error = RedisError.connectionLost(RedisSocket.errorText(context))
                fail(batch[...], error)
                return error
            }
            for index in batch.indices {
                switch RedisSocket.readReply(context) {
                case .success(let reply):
                    complete(batch[index], with: reply)
                case .failure(let error):
                    fail(batch[index...], error)
                    return error
                }
            }
            batch.removeAll(keepingCapacity: true)
            condition.lock()
            inFlight = 0
            condition.unlock()
        }
    }

    private func complete(_ entry: Entry, with reply: RedisReply) {
        switch entry.completion {
        case .reply(let continuation):
            continuation.resume(returning: reply)
        case .send(let enqueuedAt):
            onSendReply?(reply, monotonicNanos() &- enqueuedAt)
        }
    }

    private func fail(_ entries: ArraySlice<Entry>, _ error: RedisError) {
        for entry in entries {
            switch entry.completion {
            case .reply(let continuation):
                continuation.resume(throwing: error)
            case .send:
                droppedConnectionLost.increment()
                onSendReply?(nil, 0)
            }
        }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private enum IdleOutcome {
        case woken, timedOut
        case failed(RedisError)
    }

    /// Waits up to one ping interval for a command or stop (`wakeFD`) while watching the socket, so
    /// a server that closes the connection is noticed at once, not at the next command.
    private func waitIdle(_ context: RedisSocket.Context) -> IdleOutcome {
        var descriptors = [
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0),
        ]
        let timeoutMS = Int32(clamping: timeouts.ping.nanoseconds / 1_000_000)
        let ready = poll(&descriptors, 2, timeoutMS)
        if ready < 0 { return errno == EINTR ? .woken : .failed(.connectionLost("poll: \(String(cString: strerror(errno)))")) }
        if ready == 0 { return .timedOut }
        if descriptors[0].revents != 0 { rts_wake_drain(wakeFD) }
        if descriptors[1].revents != 0 {
            // Nothing is outstanding, so this is EOF, a reset, or data nobody asked for.
            guard redisBufferRead(context) == REDIS_OK else { return .failed(.connectionLost(RedisSocket.errorText(context))) }
            return .failed(.connectionLost("unexpected data from the server"))
        }
        return .woken
    }

    /// Sleeps `duration` unless `stop()` comes first.
    private func waitWhileRunning(_ duration: Duration) {
        let deadline = monotonicNanos() &+ duration.nanoseconds
        while !isStopping {
            let now = monotonicNanos()
            if now >= deadline { return }
            var descriptor = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, Int32(clamping: (deadline - now) / 1_000_000 + 1)) > 0 { rts_wake_drain(wakeFD) }
        }
    }
}
