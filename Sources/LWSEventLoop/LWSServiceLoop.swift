import CLibWebSockets
import Logging

/// An lws context and the event loop it runs on, both owned by one service thread.
///
/// lws' default poll loop walks every open connection on each wake-up, which dominated the
/// server's CPU profile under fan-out; on libev (epoll) a pass costs per ready event. The
/// libev loop is "foreign" (created here, not by lws), so lws installs no SIGINT watcher
/// (signals stay with whoever owns the process: the service lifecycle, or the load tool)
/// and each pass returns control to the caller. When lws' libev plugin is missing
/// (Debian `libwebsockets-evlib-ev`), the context falls back to lws' poll loop.
///
/// Not thread-safe: create, run and destroy it on the service thread.
public final class LWSServiceLoop {
    public let context: OpaquePointer
    public let usesLibev: Bool
    /// A one-element array: lws keeps this pointer (`foreign_loops`) for the context's life.
    private let foreignLoops: UnsafeMutablePointer<UnsafeMutableRawPointer?>

    /// `makeInfo` fills in the context creation info; it gets the loops to run on, or nil for
    /// lws' poll loop. Nil when lws cannot create the context either way.
    public init?(logger: Logger, makeInfo: (UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> lws_context_creation_info) {
        foreignLoops = .allocate(capacity: 1)
        foreignLoops.initialize(to: rts_ev_loop_new())
        var created: OpaquePointer?
        if foreignLoops.pointee != nil {
            var info = makeInfo(foreignLoops)
            info.options |= UInt64(LWS_SERVER_OPTION_LIBEV)
            created = lws_create_context(&info)
        }
        if created == nil {
            logger.warning("libev event loop unavailable (libwebsockets-evlib-ev?); using lws' poll loop, which is slow with many connections")
            Self.destroyLoop(foreignLoops)
            var info = makeInfo(nil)
            created = lws_create_context(&info)
        }
        guard let created else {
            foreignLoops.deallocate()
            return nil
        }
        context = created
        usesLibev = foreignLoops.pointee != nil
    }

    /// One pass: waits for at least one event (or timer) and handles what is ready. Other
    /// threads end a wait with `lws_cancel_service`. False when lws reports a fatal error.
    public func runOnce() -> Bool {
        if let loop = foreignLoops.pointee {
            _ = rts_ev_run_once(loop)
            return true
        }
        return lws_service(context, 0) >= 0
    }

    /// Destroys the context, closing what is still open (each connection gets its CLOSED
    /// callback now), then the loop. Call it between passes, never from an lws callback:
    /// outside a pass lws completes the destruction in this one call.
    public func destroy() {
        lws_context_destroy(context)
        Self.destroyLoop(foreignLoops)
        foreignLoops.deallocate()
    }

    private static func destroyLoop(_ loops: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        if let loop = loops.pointee { rts_ev_loop_destroy(loop) }
        loops.pointee = nil
    }
}
