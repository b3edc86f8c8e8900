import CLibWebSockets
import Foundation
import LWSEventLoop
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
    private var loop: LWSServiceLoop?
    private var timer: TickTimer?

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
        let loop: LWSServiceLoop
        do {
            loop = try LWSServiceLoop { foreignLoops in
                LoadClientProtocol.contextInfo(protocols: protocols, user: user, tls: tls, fdLimit: fdLimit, foreignLoops: foreignLoops)
            }
        } catch {
            protocols.deallocate()
            name.deallocate()
            finish()
            started(.failure(EngineStartError(description: error.description)))
            return
        }
        self.loop = loop
        core.context = loop.context
        let timer = TickTimer(owner: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()))
        self.timer = timer
        lws_sul_schedule(loop.context, 0, timer.sul, engineTickCallback, Self.tickMicros)
        inbox.withLock { $0.context = ContextHandle(pointer: loop.context) }
        started(.success(()))

        // A pass ends with the wake-up that carries the stop request.
        while !inbox.withLock({ $0.stopping }) {
            loop.runOnce()
        }
        shutDown(loop)
        protocols.deallocate()
        name.deallocate()
        finish()
    }

    /// Service thread, between passes: no more wake-ups, ticks or connects; closes every
    /// connection and destroys the context and its loop.
    private func shutDown(_ loop: LWSServiceLoop) {
        inbox.withLock { $0.context = nil }
        drainInbox()
        if let timer { lws_sul_schedule(loop.context, 0, timer.sul, nil, LWS_SET_TIMER_USEC_CANCEL) }
        core.context = nil
        loop.destroy()
        self.loop = nil
        timer = nil
    }

    /// The millisecond tick (service thread): the core paces, then the tick is re-armed.
    func tick() {
        core.tick()
        guard let loop, let timer else { return }
        lws_sul_schedule(loop.context, 0, timer.sul, engineTickCallback, Self.tickMicros)
    }

    /// LWS_CALLBACK_EVENT_WAIT_CANCELLED: run what other threads queued.
    func drainInbox() {
        let work = inbox.withLock { state -> [@Sendable (EngineCore) -> Void] in
            defer { state.work.removeAll(keepingCapacity: true) }
            return state.work
        }
        for item in work { item(core) }
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
