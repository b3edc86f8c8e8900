import CLibWebSockets
import Dispatch
import Foundation
import LWSEventLoop
import Outbound
import Synchronization

/// Why the transport could not start.
public struct TransportStartError: Error, CustomStringConvertible {
    public let description: String
}

/// The dedicated thread that owns the lws context and its event loop: it creates them, runs
/// the loop until asked to stop, and destroys them. Every lws call except
/// `lws_cancel_service` happens here.
final class ServiceThread: @unchecked Sendable {
    struct Ports: Sendable {
        var main: Int
        var metrics: Int?
    }

    private let core: ServiceCore
    private let settings: TransportSettings

    // Owned by the service thread once it runs.
    private var config: LWSContextConfig?
    private var loop: LWSServiceLoop?
    /// The WebSocket port: accepted here, a batch per pass, and adopted into `mainVhost`.
    private var listener: TCPListener?
    private var listenerWatch: UnsafeMutablePointer<rts_ev_reader_t>?
    private var mainVhost: OpaquePointer?

    private struct Completion {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let completion = Mutex(Completion())

    /// Carries the start result from the service thread to `start()`; the semaphore orders the accesses.
    private final class StartReport: @unchecked Sendable {
        let ready = DispatchSemaphore(value: 0)
        var result: Result<Ports, TransportStartError> = .failure(TransportStartError(description: "not started"))
    }

    init(core: ServiceCore, settings: TransportSettings) {
        self.core = core
        self.settings = settings
    }

    /// Starts the thread and returns once the listeners are bound (or throws why not).
    func start() throws -> Ports {
        let report = StartReport()
        let thread = Thread { [self] in
            self.run(report: report)
        }
        thread.name = "rts-lws"
        thread.start()
        report.ready.wait()
        return try report.result.get()
    }

    /// Resumes once the context is destroyed and the thread is done (immediately if it already is).
    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = completion.withLock { state -> Bool in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    // MARK: Service thread

    private func run(report: StartReport) {
        Self.preferThroughputOverWakeupLatency()
        let started = createContext()
        report.result = started
        report.ready.signal()
        guard case .success = started else { return finish() }

        // A pass ends with the wake-up that carries the stop request.
        while !core.wakeList.stopRequested, let loop {
            loop.runOnce()
        }

        destroyContext()
        finish()
    }

    /// SCHED_BATCH for this thread: it no longer preempts the thread that woke it. Every reply
    /// a session queues wakes this thread; on a busy core, preempting at once meant a context
    /// switch per message in both directions, while letting the waker finish its slice lets the
    /// wake-ups coalesce (a 5 000-client reconnect storm: 6.3 s → 5.3 s; fan-out p99 unchanged).
    /// Linux' SCHED_BATCH (sched.h; Glibc's Swift overlay does not export it).
    private static let schedBatch: Int32 = 3

    private static func preferThroughputOverWakeupLatency() {
        var parameters = sched_param()
        _ = sched_setscheduler(0, schedBatch, &parameters)
    }

    private func createContext() -> Result<Ports, TransportStartError> {
        func fail(_ message: String) -> Result<Ports, TransportStartError> {
            .failure(TransportStartError(description: message))
        }
        // The frame header is written in front of the payload, in SharedFrame's headroom.
        guard rts_lws_pre() <= SharedFrame.headroom else {
            return fail("LWS_PRE (\(rts_lws_pre())) exceeds SharedFrame.headroom (\(SharedFrame.headroom))")
        }
        LWSLogBridge.install(core.logger)
        let config = LWSContextConfig(settings: settings, callback: lwsCallback)
        let user = Unmanaged.passUnretained(core).toOpaque()
        let listener: TCPListener
        let loop: LWSServiceLoop
        do {
            listener = try TCPListener.open(host: settings.host, port: settings.port)
        } catch {
            return .failure(error)
        }
        do {
            loop = try LWSServiceLoop { config.contextInfo(user: user, foreignLoops: $0) }
        } catch {
            listener.close()
            return fail(error.description)
        }
        let context = loop.context
        var mainInfo = config.mainVhostInfo()
        guard let mainVhost = lws_create_vhost(context, &mainInfo) else {
            loop.destroy()
            listener.close()
            return fail("cannot create the WebSocket vhost (TLS certificate or key unreadable?)")
        }
        var ports = Ports(main: listener.port)
        if let metricsPort = core.metricsPort {
            var metricsInfo = config.metricsVhostInfo(port: metricsPort)
            guard let metricsVhost = lws_create_vhost(context, &metricsInfo) else {
                loop.destroy()
                listener.close()
                return fail("cannot listen on \(settings.metricsHost):\(metricsPort) (metrics)")
            }
            ports.metrics = Int(lws_get_vhost_listen_port(metricsVhost))
        }
        guard let watch = loop.watchReadable(listener.fd, owner: Unmanaged.passUnretained(self).toOpaque(), ready: listenerReadyCallback) else {
            loop.destroy()
            listener.close()
            return fail("cannot watch the listening socket (out of memory)")
        }
        self.listener = listener
        self.mainVhost = mainVhost
        listenerWatch = watch
        self.config = config
        self.loop = loop
        core.attach(context: context)

        config.tick.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        lws_sul_schedule(context, 0, tickSul(config), serviceTickCallback, Self.tickMicros)
        return .success(ports)
    }

    private func destroyContext() {
        guard let loop, let config else { return }
        if let listenerWatch { loop.stopWatching(listenerWatch) }
        listenerWatch = nil
        listener?.close()
        listener = nil
        mainVhost = nil
        core.detach()
        lws_sul_schedule(loop.context, 0, tickSul(config), nil, LWS_SET_TIMER_USEC_CANCEL)
        loop.destroy()
        self.loop = nil
        self.config = nil
        core.sampleMetrics()
    }

    /// Connections accepted per pass: enough to keep up with any arrival rate (a pass takes well
    /// under a millisecond), few enough that handshakes in flight stay a small number.
    private static let acceptsPerPass = 32

    /// The listening socket is readable (service thread, in a pass): accept a batch for lws.
    func acceptConnections() {
        guard let listener, let mainVhost else { return }
        listener.accept(upTo: Self.acceptsPerPass) { connection in
            // lws owns the descriptor from here, and closes it itself if adoption fails.
            _ = lws_adopt_socket_vhost(mainVhost, connection)
        }
    }

    private func finish() {
        let waiters = completion.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private static let tickMicros = lws_usec_t(ServiceCore.sweepInterval / .microseconds(1))
    /// Metrics are sampled on every tenth tick (once a second).
    private static let ticksPerMetricsSample = 10
    private var ticks = 0

    private func tickSul(_ config: LWSContextConfig) -> UnsafeMutablePointer<lws_sorted_usec_list_t> {
        // `sul` is the first member of rts_sul_owner_t.
        UnsafeMutableRawPointer(config.tick).assumingMemoryBound(to: lws_sorted_usec_list_t.self)
    }

    /// The service tick fired (service thread): sweep, sample metrics now and then, schedule the next one.
    func tick(_ sul: UnsafeMutablePointer<lws_sorted_usec_list_t>) {
        guard let loop else { return }
        core.sweep()
        ticks += 1
        if ticks % Self.ticksPerMetricsSample == 0 { core.sampleMetrics() }
        lws_sul_schedule(loop.context, 0, sul, serviceTickCallback, Self.tickMicros)
    }
}

/// libev's callback for the listening socket (service thread).
private let listenerReadyCallback: rts_ev_ready_cb = { owner in
    guard let owner else { return }
    Unmanaged<ServiceThread>.fromOpaque(owner).takeUnretainedValue().acceptConnections()
}
