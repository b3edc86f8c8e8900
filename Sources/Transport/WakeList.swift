import CLibWebSockets
import Synchronization

/// The hand-off from other threads to the lws service thread.
///
/// Other threads append connections that have new work and, only when the list goes from
/// empty to non-empty, call `lws_cancel_service` (the one lws call that is thread-safe):
/// a broadcast to 500 members costs one wake-up. The service thread drains the list in
/// LWS_CALLBACK_EVENT_WAIT_CANCELLED.
final class WakeList: @unchecked Sendable {
    private struct State {
        var pending: [Connection] = []
        /// nil before the context exists and once it is being destroyed: no wake-ups then.
        var context: LWSContextHandle?
        var closeAll: CloseRequest?
        var stop = false
        /// Deferred HTTP responses ready to be written, by request id.
        var httpReplies: [(id: UInt64, response: HTTPResponse)] = []
    }

    private let state = Mutex(State())

    func attach(_ context: OpaquePointer) {
        let handle = LWSContextHandle(pointer: context)
        state.withLock { $0.context = handle }
    }

    /// Stops all wake-ups (the context is about to be destroyed) and drops what was pending.
    func detach() {
        let dropped = state.withLock { state -> [Connection] in
            state.context = nil
            defer { state.pending = [] }
            return state.pending
        }
        _ = dropped  // released outside the lock
    }

    func add(_ connection: Connection) {
        state.withLock { state in
            state.pending.append(connection)
            // Called under the lock so the context cannot be destroyed meanwhile; it only writes to a pipe.
            if state.pending.count == 1, let context = state.context {
                lws_cancel_service(context.pointer)
            }
        }
    }

    /// Swaps the pending list into `buffer` (expected empty), keeping both allocations alive for reuse.
    func drain(into buffer: inout [Connection]) {
        state.withLock { state in
            swap(&state.pending, &buffer)
        }
    }

    func addHTTPReply(id: UInt64, _ response: HTTPResponse) {
        state.withLock { state in
            state.httpReplies.append((id, response))
            if state.httpReplies.count == 1, let context = state.context { lws_cancel_service(context.pointer) }
        }
    }

    func takeHTTPReplies() -> [(id: UInt64, response: HTTPResponse)] {
        state.withLock { state in
            defer { state.httpReplies = [] }
            return state.httpReplies
        }
    }

    func requestCloseAll(_ request: CloseRequest) {
        state.withLock { state in
            state.closeAll = request
            if let context = state.context { lws_cancel_service(context.pointer) }
        }
    }

    func takeCloseAll() -> CloseRequest? {
        state.withLock { state in
            defer { state.closeAll = nil }
            return state.closeAll
        }
    }

    func requestStop() {
        state.withLock { state in
            state.stop = true
            if let context = state.context { lws_cancel_service(context.pointer) }
        }
    }

    var stopRequested: Bool {
        state.withLock { $0.stop }
    }
}

/// The lws context pointer, shareable because the only call other threads make with it is the
/// thread-safe `lws_cancel_service`, and only while `WakeList` holds it (before destruction).
struct LWSContextHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
