import CLibWebSockets

/// The lws side of the engine: the client protocol table, the context options, and the
/// C callback that routes lws events to `EngineCore` (through the `ClientEngine` in the
/// context's user pointer) and `LoadClient` (the userdata given at connect time).
enum LoadClientProtocol {
    /// Offered as `Sec-WebSocket-Protocol` (PROTOCOL.md: `rts.v1`).
    static let name = "rts.v1"
    /// Per-connection receive buffer. Message pushes (~300 bytes) arrive whole; larger
    /// frames (a `joined` with many `missed`) arrive in pieces and are reassembled.
    static let rxBufferSize = 4096
    /// One socket read per service pass, shared by all connections of the thread.
    static let serviceBufferSize: UInt32 = 65536

    typealias Callback = @convention(c) (
        OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int
    ) -> Int32

    /// A protocol table (one entry and the terminator) that lives as long as the context.
    static func makeProtocols(name: UnsafePointer<CChar>) -> UnsafeMutablePointer<lws_protocols> {
        let table = UnsafeMutablePointer<lws_protocols>.allocate(capacity: 2)
        var entry = lws_protocols()
        entry.name = name
        entry.callback = loadClientCallback
        entry.per_session_data_size = 0
        entry.rx_buffer_size = rxBufferSize
        table.initialize(to: entry)
        (table + 1).initialize(to: lws_protocols())
        return table
    }

    static func contextInfo(protocols: UnsafeMutablePointer<lws_protocols>, user: UnsafeMutableRawPointer, tls: Bool, fdLimit: Int, foreignLoops: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> lws_context_creation_info {
        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.protocols = UnsafePointer(protocols)
        info.user = user
        info.count_threads = 1
        info.pt_serv_buf_size = serviceBufferSize
        info.fd_limit_per_thread = UInt32(clamping: fdLimit)
        if tls { info.options |= UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT) }
        info.foreign_loops = foreignLoops
        return info
    }
}

/// The engine's lws callback (service thread only).
let loadClientCallback: LoadClientProtocol.Callback = { wsi, reason, user, input, length in
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    let engine = Unmanaged<ClientEngine>.fromOpaque(owner).takeUnretainedValue()
    let core = engine.core
    switch reason {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        engine.drainInbox()
        return 0
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        guard let client = loadClient(user) else { return -1 }
        core.established(client, wsi: wsi)
        return 0
    case LWS_CALLBACK_CLIENT_RECEIVE:
        guard let client = loadClient(user) else { return 0 }
        core.receive(client, wsi: wsi, UnsafeRawPointer(input), length: length)
        return 0
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        guard let client = loadClient(user) else { return 0 }
        return core.writeable(client, wsi: wsi)
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if let client = loadClient(user) {
            let reason = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "connection error"
            core.connectionFailed(client, reason: reason)
        }
        return 0
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        core.peerClosed(UnsafeRawPointer(input), length: length)
        return 0
    case LWS_CALLBACK_CLIENT_CLOSED:
        if let client = loadClient(user) { core.closed(client) }
        return 0
    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
}

private func loadClient(_ user: UnsafeMutableRawPointer?) -> LoadClient? {
    guard let user else { return nil }
    return Unmanaged<LoadClient>.fromOpaque(user).takeUnretainedValue()
}

/// The engine's millisecond tick: pacing of connects and sends.
let engineTickCallback: @convention(c) (UnsafeMutablePointer<lws_sorted_usec_list_t>?) -> Void = { sul in
    guard let sul else { return }
    // The owner pointer sits right after the sul (see `TickTimer`).
    let owner = UnsafeRawPointer(sul).advanced(by: TickTimer.ownerOffset).load(as: UnsafeRawPointer?.self)
    guard let owner else { return }
    Unmanaged<ClientEngine>.fromOpaque(owner).takeUnretainedValue().tick()
}

/// A sorted-usec-list entry followed by its owner pointer: lws hands the callback only the sul.
final class TickTimer {
    static let ownerOffset = (MemoryLayout<lws_sorted_usec_list_t>.size + 15) & ~15
    let raw: UnsafeMutableRawPointer

    init(owner: UnsafeRawPointer) {
        raw = UnsafeMutableRawPointer.allocate(byteCount: Self.ownerOffset + MemoryLayout<UnsafeRawPointer>.size, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: Self.ownerOffset + MemoryLayout<UnsafeRawPointer>.size)
        raw.advanced(by: Self.ownerOffset).storeBytes(of: owner, as: UnsafeRawPointer?.self)
    }

    var sul: UnsafeMutablePointer<lws_sorted_usec_list_t> { raw.assumingMemoryBound(to: lws_sorted_usec_list_t.self) }

    deinit { raw.deallocate() }
}
