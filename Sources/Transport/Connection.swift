import Outbound
import Synchronization

/// Which handler a WebSocket connection was accepted for.
enum Endpoint: Sendable {
    /// `/ws`: messages go to the delegate.
    case app
    /// `/echo` (conformance only): messages are echoed by the transport itself.
    case echo
}

/// One open WebSocket connection.
///
/// `send`, `close`, `setDeadline` and `context` are safe from any thread: they only touch
/// lock-protected state and wake the lws service thread, which does the actual I/O.
public final class Connection: FrameSink, @unchecked Sendable {
    public let connectionID: UInt64
    /// Peer IP as text (IPv4 dotted or IPv6).
    public let remoteAddress: String

    let endpoint: Endpoint
    let maxMessageBytes: Int
    private let maxOutboundBytes: Int
    private let core: ServiceCore
    private let outbound = Mutex(OutboundState())
    private let slot = Mutex<(any AnyObject & Sendable)?>(nil)

    // Service-thread-only state (never touched elsewhere, so no lock).
    var wsi: OpaquePointer?
    var inbound = InboundAssembler()
    /// The close to perform once `at` passes (checked by `ServiceCore.sweep`).
    var armedDeadline: (at: ContinuousClock.Instant, close: CloseRequest)?
    /// When a requested close gives up waiting for WRITEABLE (checked by `ServiceCore.sweep`).
    var closeDeadline: ContinuousClock.Instant?
    /// Heartbeat: when a message or pong last arrived, when the next ping is due, and whether
    /// the next WRITEABLE should send it.
    var lastHeard: ContinuousClock.Instant
    var nextPing: ContinuousClock.Instant
    var pingDue = false
    /// The delegate's inbox is full: stop reading at the next `service` (outside lws' read processing).
    var pauseWanted = false
    /// lws rx flow control is off for this connection.
    var readingPaused = false
    /// The close frame is handed to lws, which now awaits the peer's close reply.
    var closeStarted = false

    init(
        id: UInt64, remoteAddress: String, endpoint: Endpoint, maxMessageBytes: Int, maxOutboundBytes: Int,
        core: ServiceCore, wsi: OpaquePointer, heartbeat: Duration
    ) {
        let now = ContinuousClock.now
        lastHeard = now
        nextPing = now + heartbeat
        connectionID = id
        self.remoteAddress = remoteAddress
        self.endpoint = endpoint
        self.maxMessageBytes = maxMessageBytes
        self.maxOutboundBytes = maxOutboundBytes
        self.core = core
        self.wsi = wsi
    }

    /// Application slot for the delegate (e.g. its session object).
    public var context: (any AnyObject & Sendable)? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }

    /// A close was requested or the connection is gone: nothing more should be done for it.
    public var isClosing: Bool {
        outbound.withLock { !$0.acceptsWork }
    }

    /// Unsent bytes queued in the transport (not counting what lws or the kernel already took).
    public var queuedBytes: Int {
        outbound.withLock { $0.queuedBytes }
    }

    @discardableResult
    public func send(_ frame: SharedFrame) -> Bool {
        enqueue(frame, overLimit: { queued, limit in queued + frame.count > limit })
    }

    @discardableResult
    public func sendReply(_ frame: SharedFrame) -> Bool {
        enqueue(frame, overLimit: { queued, limit in queued > limit })
    }

    private func enqueue(_ frame: SharedFrame, overLimit: (_ queued: Int, _ limit: Int) -> Bool) -> Bool {
        let limit = maxOutboundBytes
        let (accepted, wake) = outbound.withLock { state -> (Bool, Bool) in
            guard state.acceptsWork else { return (false, false) }
            if overLimit(state.queuedBytes, limit) {
                // A client that cannot keep up loses its queue; it can reconnect and catch up.
                state.dropQueue()
                state.close = CloseRequest(code: 4009, reason: "slow consumer", flush: false)
                _ = state.schedule()
                return (false, true)  // always wake: see `close`
            }
            state.frames.append(frame)
            state.queuedBytes += frame.count
            return (true, state.schedule())
        }
        if wake { core.schedule(self) }
        return accepted
    }

    public func close(code: UInt16, reason: String, flush: Bool) {
        let wake = outbound.withLock { state -> Bool in
            guard state.acceptsWork else { return false }
            if !flush { state.dropQueue() }
            state.close = CloseRequest(code: code, reason: reason, flush: flush)
            // Always wake (once per connection, as close is accepted once): the service thread
            // arms the close timeout even when a WRITEABLE is already pending, which for a peer
            // that stopped reading may never come.
            _ = state.schedule()
            return true
        }
        if wake { core.schedule(self) }
    }

    /// Arms (or with nil disarms) one deadline; when it passes the delegate's `connectionDeadlinePassed`
    /// is called and the connection is closed with `closeCode`/`reason`. Replaces any earlier deadline.
    public func setDeadline(afterMS: Int?, closeCode: UInt16, reason: String) {
        let change: DeadlineChange
        if let afterMS {
            let at = ContinuousClock.now.advanced(by: .milliseconds(max(0, afterMS)))
            change = .arm(at: at, close: CloseRequest(code: closeCode, reason: reason, flush: true))
        } else {
            change = .disarm
        }
        let wake = outbound.withLock { state -> Bool in
            guard state.acceptsWork else { return false }
            state.deadline = change
            _ = state.schedule()
            return true
        }
        // Always wake (rare: auth and refresh): a WRITEABLE already pending for a peer that is not
        // reading would otherwise leave the change unapplied.
        if wake { core.schedule(self) }
    }

    /// Reading was paused because the delegate's inbox was full (`InboundFlow.pause`): start again.
    public func resumeReading() {
        let wake = outbound.withLock { state -> Bool in
            guard state.acceptsWork else { return false }
            state.resumeReading = true
            _ = state.schedule()
            return true
        }
        // Always wake, as for deadlines: the peer may be blocked writing to us and not reading, so a
        // pending WRITEABLE may not come before we read again.
        if wake { core.schedule(self) }
    }

    // MARK: Service thread

    /// Takes the pending deadline change and reading resumption, and tells the pending close if any.
    func takeServiceRequest() -> (deadline: DeadlineChange?, resumeReading: Bool, close: CloseRequest?) {
        outbound.withLock { state in
            let deadline = state.deadline
            let resume = state.resumeReading
            state.deadline = nil
            state.resumeReading = false
            return (deadline, resume, state.close)
        }
    }

    func nextWrite(into batch: inout [SharedFrame], budget: Int) -> WriteStep {
        outbound.withLock { $0.nextWrite(into: &batch, budget: budget) }
    }

    /// Refuses further work because the transport itself is closing the connection now.
    func markClosing(_ request: CloseRequest) {
        outbound.withLock { state in
            if state.close == nil { state.close = request }
            state.dropQueue()
        }
    }

    func markClosed() {
        outbound.withLock { state in
            state.closed = true
            state.dropQueue()
            state.deadline = nil
        }
    }
}
