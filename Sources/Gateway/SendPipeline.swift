import Synchronization

/// A session's sends that a room has queued but not yet stored.
///
/// Storing takes a commit (an fsync; in a cluster also a turn on the room's row lock), so a
/// session that waited for each send before reading its next frame would cap a fast sender at one
/// commit per message and queue the rest in its inbox. Instead consecutive sends to one room are
/// pipelined: the room stores its queue in order and acknowledges in that order. Every other
/// reply waits until the sends before it are settled, so replies keep the order of requests.
final class SendPipeline: Sendable {
    /// Most sends in flight per session; the next one waits for the oldest.
    static let window = 16

    private struct State {
        var room: String?
        var inFlight = 0
        /// The session's drain task, waiting until fewer than `limit` sends are in flight.
        var waiter: (limit: Int, continuation: CheckedContinuation<Void, Never>)?
    }

    private let state = Mutex(State())

    /// Waits until every send in flight is settled: before any reply that is not a room's ack.
    func settle() async {
        await wait(below: 1)
    }

    /// Waits for room for one more send to `room`, and counts it in flight. A send to another room
    /// first waits for the previous room's sends, whose acks must come first.
    func reserve(room: String) async {
        if state.withLock({ $0.inFlight > 0 && $0.room != room }) { await settle() }
        await wait(below: Self.window)
        state.withLock { state in
            state.room = room
            state.inFlight += 1
        }
    }

    /// A reserved send is settled (stored, failed, or never queued).
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inFlight -= 1
            guard let waiter = state.waiter, state.inFlight < waiter.limit else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    private func wait(below limit: Int) async {
        // The usual case (nothing to wait for) costs a lock, not a continuation.
        if state.withLock({ $0.inFlight < limit }) { return }
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                guard state.inFlight >= limit else { return true }
                state.waiter = (limit, continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
