import CLibWebSockets

/// Why an lws context could not be created.
public struct LWSServiceLoopError: Error, CustomStringConvertible {
    public let description: String
}

/// An lws context and the libev event loop it runs on, both owned by one service thread.
///
/// lws' default poll loop walks every open connection on each wake-up, which dominated the
/// server's CPU profile under fan-out; on libev (epoll) a pass costs per ready event. The
/// loop is "foreign" (created here, not by lws), so lws installs no SIGINT watcher (signals
/// stay with whoever owns the process: the service lifecycle, or the load tool), each pass
/// returns control to the caller, and the owner can watch descriptors of its own on it.
///
/// Not thread-safe: create, run and destroy it on the service thread.
public final class LWSServiceLoop {
    public let context: OpaquePointer
    /// A one-element array: lws keeps this pointer (`foreign_loops`) for the context's life.
    private let foreignLoops: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let loop: UnsafeMutableRawPointer

    /// `makeInfo` fills in the context creation info; it gets the loops to run on.
    public init(makeInfo: (UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> lws_context_creation_info) throws(LWSServiceLoopError) {
        guard let loop = rts_ev_loop_new() else {
            throw LWSServiceLoopError(description: "cannot create a libev event loop")
        }
        foreignLoops = .allocate(capacity: 1)
        foreignLoops.initialize(to: loop)
        var info = makeInfo(foreignLoops)
        info.options |= UInt64(LWS_SERVER_OPTION_LIBEV)
        guard let created = lws_create_context(&info) else {
            rts_ev_loop_destroy(loop)
            foreignLoops.deallocate()
            throw LWSServiceLoopError(
                description: "lws_create_context failed (is lws' libev plugin, Debian libwebsockets-evlib-ev, installed?)")
        }
        self.loop = loop
        context = created
    }

    /// One pass: waits for at least one event (or timer) and handles what is ready. Other
    /// threads end a wait with `lws_cancel_service`.
    public func runOnce() {
        _ = rts_ev_run_once(loop)
    }

    /// Calls `ready(owner)` during a pass whenever `fd` is readable, until `stopWatching`.
    public func watchReadable(_ fd: Int32, owner: UnsafeMutableRawPointer, ready: rts_ev_ready_cb) -> UnsafeMutablePointer<rts_ev_reader_t>? {
        rts_ev_reader_start(loop, fd, ready, owner)
    }

    public func stopWatching(_ reader: UnsafeMutablePointer<rts_ev_reader_t>) {
        rts_ev_reader_stop(loop, reader)
    }

    /// Destroys the context, closing what is still open (each connection gets its CLOSED
    /// callback now), then the loop. Call it between passes, never from an lws callback:
    /// outside a pass lws completes the destruction in this one call. Stop own watchers first.
    public func destroy() {
        lws_context_destroy(context)
        rts_ev_loop_destroy(loop)
        foreignLoops.deallocate()
    }
}
