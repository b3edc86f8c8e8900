import Outbound

/// How a connection should be closed once the service thread gets to it.
struct CloseRequest: Sendable, Equatable {
    var code: UInt16
    var reason: String
    /// Write the frames queued before the request first.
    var flush: Bool
}

/// A deadline change requested from any thread, applied by the service thread.
enum DeadlineChange: Sendable {
    /// `at` is a `ContinuousClock` instant; the service thread's sweep fires it (up to 100 ms late).
    case arm(at: ContinuousClock.Instant, close: CloseRequest)
    case disarm
}

/// What the service thread does on one WRITEABLE callback.
enum WriteStep {
    /// Write the frames `nextWrite` appended to the batch (at least one).
    case frames(more: Bool)
    case close(CloseRequest)
    case idle
}

/// FIFO of shared frames. Popped slots are cleared at once so a written frame is not kept
/// alive by the queue; storage is released when the queue empties unless it is tiny,
/// so idle connections hold (almost) nothing while a busy one does not reallocate per frame.
struct FrameQueue {
    private var items: [SharedFrame?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    var first: SharedFrame? { head < items.count ? items[head] : nil }

    mutating func append(_ frame: SharedFrame) {
        items.append(frame)
    }

    mutating func popFirst() -> SharedFrame? {
        guard head < items.count else { return nil }
        let frame = items[head]
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.capacity <= 16)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return frame
    }

    mutating func removeAll() {
        items = []
        head = 0
    }
}

/// Everything about a connection that other threads touch; always used under the connection's lock.
struct OutboundState {
    var frames = FrameQueue()
    var queuedBytes = 0
    /// Set once; afterwards `send` refuses frames.
    var close: CloseRequest?
    /// The lws connection is gone.
    var closed = false
    /// On the service thread's to-do list or waiting for a WRITEABLE callback: no further wake-up needed.
    var scheduled = false
    var deadline: DeadlineChange?
    /// The delegate drained its inbox: the service thread turns reading back on.
    var resumeReading = false

    var acceptsWork: Bool { !closed && close == nil }

    /// Marks the connection as needing the service thread; true when the caller must wake it.
    mutating func schedule() -> Bool {
        if scheduled { return false }
        scheduled = true
        return true
    }

    mutating func dropQueue() {
        frames.removeAll()
        queuedBytes = 0
    }

    /// Moves the next frame into `batch`, and the ones after it while the batch's wire size stays
    /// within `budget` bytes: a connection that fell behind catches up with fewer, larger writes.
    mutating func nextWrite(into batch: inout [SharedFrame], budget: Int) -> WriteStep {
        if let frame = frames.popFirst() {
            batch.append(frame)
            var wireBytes = FrameHeader.size(payload: frame.count) + frame.count
            while let next = frames.first, wireBytes + FrameHeader.size(payload: next.count) + next.count <= budget {
                _ = frames.popFirst()
                batch.append(next)
                wireBytes += FrameHeader.size(payload: next.count) + next.count
            }
            for frame in batch { queuedBytes -= frame.count }
            let more = !frames.isEmpty || close != nil
            if !more { scheduled = false }
            return .frames(more: more)
        }
        if let close { return .close(close) }
        scheduled = false
        return .idle
    }
}
