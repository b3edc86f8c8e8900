import CLibWebSockets
import Foundation
import Logging
import Synchronization

/// Why the engine could not start.
struct EngineStartError: Error, CustomStringConvertible {
    let description: String
}

/// Owns the lws client context and its one service thread. Other threads talk to it only
/// through `perform`: the closure is queued under a lock, the loop is woken with
/// `lws_cancel_service` (the one thread-safe lws call), and it runs on the service thread,
/// which never blocks: no lock is held while lws or the core runs.
final class ClientEngine: @unchecked Sendable {
    static let threadName = "lt-lws"
    private static let tickMicros: lws_usec_t = 1000

    let core: EngineCore
    private let tls: Bool
    private let fdLimit: Int

    private struct Inbox {
        var work: [@Sendable (EngineCore) -> Void] = []
        var context: ContextHandle?
        var stopping = false
        var finished = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let inbox = Mutex(Inbox())
    /// CPU-time clock of the service thread (`pthread_getcpuclockid`), once it runs.
    private let serviceThreadClock = Atomic<Int>(Int.min)

    // Service-thread state.
    private var context: OpaquePointer?
    private var timer: TickTimer?
    private var usesEventLoop = false
    private var shuttingDown = false

    init(setup: EngineSetup, logger: Logger, fdLimit: Int) {
        core = EngineCore(setup: setup, logger: logger)
        tls = setup.endpoints.contains { $0.tls }
        self.fdLimit = fdLimit
    }

    /// Starts the service thread; returns once the context exists.
    func start() async throws {
        let result: Result<Void, EngineStartError> = await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                self.run(started: { continuation.resume(returning: $0) })
            }
            thread.name = Self.threadName
            thread.stackSize = 8 << 20
            thread.start()
        }
        try result.get()
    }

    /// Runs `body` on the service thread and returns its result. After the engine stopped,
    /// `body` runs on the caller (the service thread no longer touches the core then).
    func perform<T: Sendable>(_ body: @escaping @Sendable (EngineCore) -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let queued = inbox.withLock { state -> Bool in
                guard !state.finished else { return false }
                state.work.append { core in continuation.resume(returning: body(core)) }
                if state.work.count == 1, let context = state.context { lws_cancel_service(context.pointer) }
                return true
            }
            if !queued { continuation.resume(returning: body(core)) }
        }
    }

    /// CPU time the service thread has used so far, in nanoseconds.
    func serviceThreadCPUNanoseconds() -> UInt64? {
        let clock = serviceThreadClock.load(ordering: .acquiring)
        guard clock != Int.min else { return nil }
        var now = timespec()
        guard clock_gettime(clockid_t(clock), &now) == 0 else { return nil }
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Stops the loop, destroys the context (closing what is still open) and waits for the thread.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = inbox.withLock { state -> Bool in
                if state.finished { return true }
                state.stopping = true
                state.finishWaiters.append(continuation)
                if let context = state.context { lws_cancel_service(context.pointer) }
                return false
            }
            if done { continuation.resume() }
        }
    }

    // MARK: Service thread

    private func run(started: (Result<Void, EngineStartError>) -> Void) {
        // Lets the monitor read this thread's CPU time: the generator's own saturation point.
        var clock = clockid_t()
        if pthread_getcpuclockid(pthread_self(), &clock) == 0 { serviceThreadClock.store(Int(clock), ordering: .releasing) }
        // Errors and warnings only; lws' notices would interleave with the progress line.
        lws_set_log_level(LLL_ERR | LLL_WARN, nil)
        let name = UnsafeMutablePointer<CChar>.allocate(capacity: LoadClientProtocol.name.utf8.count + 1)
        name.initialize(from: Array(LoadClientProtocol.name.utf8CString), count: LoadClientProtocol.name.utf8.count + 1)
        let protocols = LoadClientProtocol.makeProtocols(name: UnsafePointer(name))
        let user = Unmanaged.passUnretained(self).toOpaque()
        // libev (epoll) first: lws' own poll loop walks every descriptor on every wake-up,
        // which a generator holding 10 000 connections cannot afford.
        var info = LoadClientProtocol.contextInfo(protocols: protocols, user: user, tls: tls, fdLimit: fdLimit, eventLoop: true)
        var created = lws_create_context(&info)
        usesEventLoop = created != nil
        if created == nil {
            core.logger.warning("libev event loop unavailable; falling back to lws' poll loop (slow with many connections)")
            info = LoadClientProtocol.contextInfo(protocols: protocols, user: user, tls: tls, fdLimit: fdLimit, eventLoop: false)
            created = lws_create_context(&info)
        }
        guard let context = created else {
            protocols.deallocate()
            name.deallocate()
            finish()
            started(.failure(EngineStartError(description: "lws_create_context failed")))
            return
        }
        self.context = context
        core.context = context
        let timer = TickTimer(owner: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()))
        self.timer = timer
        lws_sul_schedule(context, 0, timer.sul, engineTickCallback, Self.tickMicros)
        let handle = ContextHandle(pointer: context)
        inbox.withLock { $0.context = handle }
        started(.success(()))

        if usesEventLoop {
            // lws_service runs the libev loop until the context is being destroyed (see
            // `beginShutdown`); it also returns when SIGINT breaks the loop.
            while !shuttingDown {
                _ = lws_service(context, 0)
                if !shuttingDown {
                    // libev took over SIGINT and broke the loop: behave as Ctrl-C would have.
                    core.logger.warning("interrupted")
                    signal(SIGINT, SIG_DFL)
                    raise(SIGINT)
                }
            }
        } else {
            while !inbox.withLock({ $0.stopping }) {
                if lws_service(context, 0) < 0 { break }
            }
            beginShutdown()
        }
        // Completes the destruction begun in `beginShutdown` (lws frees the context here).
        lws_context_destroy(context)
        self.context = nil
        protocols.deallocate()
        name.deallocate()
        self.timer = nil
        finish()
    }

    /// Service thread: no more wake-ups, ticks or connects; closes every connection and,
    /// with libev, makes the loop (and so `lws_service`) end.
    private func beginShutdown() {
        guard !shuttingDown, let context else { return }
        shuttingDown = true
        inbox.withLock { $0.context = nil }
        drainInbox()
        if let timer { lws_sul_schedule(context, 0, timer.sul, nil, LWS_SET_TIMER_USEC_CANCEL) }
        core.context = nil
        lws_context_destroy(context)
    }

    /// The millisecond tick (service thread): the core paces, then the tick is re-armed.
    func tick() {
        core.tick()
        guard let context, let timer else { return }
        lws_sul_schedule(context, 0, timer.sul, engineTickCallback, Self.tickMicros)
    }

    /// LWS_CALLBACK_EVENT_WAIT_CANCELLED: run what other threads queued, and begin the
    /// shutdown once `stop()` asked for it (libev: only the loop itself can end the loop).
    func drainInbox() {
        let (work, stopping) = inbox.withLock { state -> ([@Sendable (EngineCore) -> Void], Bool) in
            defer { state.work.removeAll(keepingCapacity: true) }
            return (state.work, state.stopping)
        }
        for item in work { item(core) }
        if stopping && usesEventLoop { beginShutdown() }
    }

    /// Runs work queued while the loop wound down, then marks the engine finished, in one
    /// step with seeing the queue empty: a later `perform` runs on its caller, never overlapping.
    private func finish() {
        while true {
            let (work, waiters) = inbox.withLock { state -> ([@Sendable (EngineCore) -> Void], [CheckedContinuation<Void, Never>]) in
                state.context = nil
                if state.work.isEmpty {
                    state.finished = true
                    defer { state.finishWaiters = [] }
                    return ([], state.finishWaiters)
                }
                defer { state.work = [] }
                return (state.work, [])
            }
            if work.isEmpty {
                for waiter in waiters { waiter.resume() }
                return
            }
            for item in work { item(core) }
        }
    }
}

/// The context pointer, shareable because the only call other threads make with it is the
/// thread-safe `lws_cancel_service`, and only while the inbox holds it (before destruction).
struct ContextHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
