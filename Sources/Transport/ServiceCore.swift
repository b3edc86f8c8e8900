import CLibWebSockets
import Glibc
import Logging
import Outbound
import Synchronization

/// The transport's state and its handling of lws events.
///
/// Every method that calls lws runs on the single lws service thread (they are reached only
/// from `lwsCallback`, the metrics tick, or `schedule` when already on that thread).
/// What other threads may touch is either immutable, atomic, or behind `WakeList`'s lock.
final class ServiceCore: @unchecked Sendable {
    let settings: TransportSettings
    let delegate: any TransportDelegate
    let logger: Logger
    let metrics: TransportMetrics
    let policy: HandshakePolicy
    /// The port of the separate metrics listener, if any (the same port as the main one is no separate listener).
    let metricsPort: Int?
    let wakeList = WakeList()
    let accepting = Atomic<Bool>(true)
    let liveConnections = Atomic<Int>(0)
    /// `pthread_self()` of the service thread once it runs.
    private let serviceThread = Atomic<UInt>(0)

    /// Largest message on `/echo` (conformance suites send up to 16 MiB).
    static let echoMessageLimit = 16 << 20
    /// Echo connections reflect whatever arrives, so their queue may hold several such messages.
    static let echoOutboundLimit = 64 << 20
    /// How long a close may wait, for queued frames (flush) or just the close frame to reach a peer that
    /// is slow to read (a slow consumer), before the TCP connection is dropped.
    static let closeTimeout: Duration = .seconds(5)

    // Service-thread-only state.
    /// Open connections by id.
    var registry: [UInt64: Connection] = [:]
    private var drainBuffer: [Connection] = []
    let writeBatch = FrameBatch()
    private var context: OpaquePointer?
    /// Process-unique connection ids.
    static let connectionIDs = Atomic<UInt64>(0)
    /// Deferred HTTP requests: ids, and which connection waits for which (service thread only).
    static let httpRequestIDs = Atomic<UInt64>(0)
    var deferredHTTP: [OpaquePointer: UInt64] = [:]
    var deferredWSI: [UInt64: OpaquePointer] = [:]
    var readyHTTP: [OpaquePointer: HTTPResponse] = [:]
    var pendingBodies: [OpaquePointer: PendingHTTPBody] = [:]
    /// Open `/ws` connections by client address, for `maxConnectionsPerIP`.
    var openConnections: [String: Int] = [:]
    let clientAddresses: ClientAddress

    init(settings: TransportSettings, delegate: any TransportDelegate, logger: Logger, metrics: TransportMetrics) {
        self.settings = settings
        self.delegate = delegate
        self.logger = logger
        self.metrics = metrics
        policy = HandshakePolicy(allowedOrigins: settings.allowedOrigins, conformanceEcho: settings.conformanceEcho)
        clientAddresses = ClientAddress(trustedProxies: settings.trustedProxies)
        metricsPort = settings.metricsPort.flatMap { $0 == settings.port && $0 != 0 ? nil : $0 }
    }

    // MARK: Lifecycle (service thread)

    func attach(context: OpaquePointer) {
        serviceThread.store(UInt(pthread_self()), ordering: .releasing)
        self.context = context
        wakeList.attach(context)
    }

    /// Called right before `lws_context_destroy`: no more wake-ups, no more lws calls from `schedule`.
    func detach() {
        wakeList.detach()
        context = nil
    }

    private var onServiceThread: Bool {
        serviceThread.load(ordering: .acquiring) == UInt(pthread_self())
    }

    // MARK: Work from other threads

    /// A connection has new outbound work, a close, or a deadline change.
    func schedule(_ connection: Connection) {
        if onServiceThread {
            service(connection)
        } else {
            wakeList.add(connection)
        }
    }

    /// LWS_CALLBACK_EVENT_WAIT_CANCELLED: apply everything other threads queued.
    func drainWakeList() {
        if let closeAll = wakeList.takeCloseAll() {
            for connection in registry.values {
                connection.close(code: closeAll.code, reason: closeAll.reason, flush: closeAll.flush)
            }
        }
        deliverHTTPReplies()
        wakeList.drain(into: &drainBuffer)
        for connection in drainBuffer {
            service(connection)
        }
        drainBuffer.removeAll(keepingCapacity: true)
    }

    /// Turns a connection's requests into lws calls: timers, a bounded flush, a WRITEABLE callback.
    private func service(_ connection: Connection) {
        guard context != nil, let wsi = connection.wsi else { return }
        let request = connection.takeServiceRequest()
        switch request.deadline {
        case .arm(let at, let close)?:
            connection.armedDeadline = (at, close)
        case .disarm?:
            connection.armedDeadline = nil
        case nil:
            break
        }
        // A closing connection reads again: lws then discards what the peer still sends and sees its
        // close reply. Closing with unread input would make the kernel reset the connection, and a
        // reset can cost the peer our close frame and the replies before it.
        applyReadPause(connection, wsi, resume: request.resumeReading || request.close != nil)
        if request.close != nil, connection.closeDeadline == nil {
            // The close happens in WRITEABLE, which a peer that stopped reading never lets come:
            // then `sweep` drops the connection when this passes.
            connection.closeDeadline = .now + Self.closeTimeout
        }
        lws_callback_on_writable(wsi)
    }

    /// Turns reading off or on, always from outside the connection's own callbacks (PROCESS_NOW applies
    /// it at once): then lws has no half-processed read to stash, and the socket simply stops being read.
    private func applyReadPause(_ connection: Connection, _ wsi: OpaquePointer, resume: Bool) {
        let processNow = Int32(LWS_RXFLOW_REASON_FLAG_PROCESS_NOW)
        if resume {
            connection.pauseWanted = false
            if connection.readingPaused {
                connection.readingPaused = false
                lws_rx_flow_control(wsi, 1 | processNow)
            }
        } else if connection.pauseWanted {
            connection.pauseWanted = false
            if !connection.readingPaused {
                connection.readingPaused = true
                lws_rx_flow_control(wsi, processNow)
                metrics.readPauses.increment()
            }
        }
    }

    // MARK: Metrics (service thread)

    /// Flushes batched counters and samples the gauges.
    func sampleMetrics() {
        metrics.flush()
        var queued = 0
        for connection in registry.values {
            queued += connection.queuedBytes
        }
        metrics.recordQueuedBytes(queued)
    }
}
