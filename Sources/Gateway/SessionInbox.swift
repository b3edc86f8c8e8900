import Synchronization
import Transport
import Wire

/// What the transport thread hands a session, in arrival order.
enum SessionEvent: Sendable {
    case frame([UInt8], isBinary: Bool)
    /// A frame over the per-connection rate: dropped unparsed, answered with `rate_limited`.
    case rateLimited(requestID: String?, waitMS: Int)
    case closed
}

/// A session's bounded inbox, filled on the transport thread (a lock, never an await) and drained
/// by the session's one drain task.
///
/// The per-connection frame rate is enforced here, before any JSON parsing and before `auth`, so a
/// flood costs a token-bucket check per frame. When the inbox holds too much, the transport stops
/// reading the socket (TCP then pushes back on the client) until the session has caught up.
final class SessionInbox: Sendable {
    /// Reading pauses at this many queued frames or bytes, and resumes once the session is back under a quarter.
    static let pauseFrames = 64
    static let pauseBytes = 1 << 20

    private struct State {
        /// A FIFO: taken slots are cleared at once (no frame kept alive) and compacted away.
        var events: [SessionEvent?] = []
        var head = 0
        var bytes = 0
        var draining = false
        var paused = false
        /// A close was decided: frames are dropped from now on.
        var closing = false
        var frameBucket: TokenBucket
    }

    private let state: Mutex<State>
    private let clock: any WallClock

    init(frameBucket: TokenBucket, clock: any WallClock) {
        state = Mutex(State(frameBucket: frameBucket))
        self.clock = clock
    }

    /// Queues a frame (or its rate-limited stand-in). Returns whether the caller must start the drain
    /// task, and whether the transport should keep reading.
    func received(_ bytes: [UInt8], isBinary: Bool) -> (startDrain: Bool, flow: InboundFlow) {
        let now = clock.nowMS()
        return state.withLock { state in
            guard !state.closing else { return (false, .proceed) }
            if let wait = state.frameBucket.take(nowMS: now) {
                state.events.append(.rateLimited(requestID: RequestIDPeek.id(in: bytes), waitMS: wait))
            } else {
                state.events.append(.frame(bytes, isBinary: isBinary))
                state.bytes += bytes.count
            }
            if state.events.count - state.head >= Self.pauseFrames || state.bytes >= Self.pauseBytes {
                state.paused = true
            }
            return (Self.claimDrain(&state), state.paused ? .pause : .proceed)
        }
    }

    /// Queues the end of the connection; true when the caller must start the drain task.
    func closed() -> Bool {
        state.withLock { state in
            state.events.append(.closed)
            return Self.claimDrain(&state)
        }
    }

    /// Drops queued frames and refuses new ones (the `closed` event still comes through).
    func closing() {
        state.withLock { state in
            state.closing = true
            let closed = state.events[state.head...].contains { if case .closed? = $0 { true } else { false } }
            state.events = closed ? [.closed] : []
            state.head = 0
            state.bytes = 0
        }
    }

    /// The next event for the drain task, and whether reading should resume now; nil ends the drain.
    func next() -> (SessionEvent, resumeReading: Bool)? {
        state.withLock { state in
            guard state.head < state.events.count else {
                state.events.removeAll(keepingCapacity: state.events.capacity <= 16)
                state.head = 0
                state.draining = false
                return nil
            }
            guard let event = state.events[state.head] else { return nil }
            state.events[state.head] = nil
            state.head += 1
            if state.head >= 64, state.head * 2 >= state.events.count {
                state.events.removeFirst(state.head)
                state.head = 0
            }
            if case .frame(let bytes, _) = event { state.bytes -= bytes.count }
            var resume = false
            if state.paused, state.events.count - state.head <= Self.pauseFrames / 4, state.bytes <= Self.pauseBytes / 4 {
                state.paused = false
                resume = true
            }
            return (event, resume)
        }
    }

    private static func claimDrain(_ state: inout State) -> Bool {
        defer { state.draining = true }
        return !state.draining
    }
}
