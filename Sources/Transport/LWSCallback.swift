import CLibWebSockets

/// The one lws protocol callback (both vhosts). It finds the `ServiceCore` through the
/// context's user pointer and the `Connection` through the per-session data, then
/// dispatches; whatever it does not handle goes to lws' default HTTP handler.
let lwsCallback: LWSContextConfig.Callback = { wsi, reason, session, input, length in
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, session, input, length)
    }
    let core = Unmanaged<ServiceCore>.fromOpaque(owner).takeUnretainedValue()

    switch reason {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        // Broadcast once per protocol of every vhost: drain once.
        if vhostKind(wsi) == .main { core.drainWakeList() }
        return 0

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        let upgrade = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
        return core.confirmUpgrade(wsi, vhost: vhostKind(wsi) ?? .metrics, upgrade: upgrade)

    case LWS_CALLBACK_HTTP:
        let path = input.map { LWSRequest.string($0.assumingMemoryBound(to: CChar.self), count: length) } ?? "/"
        return core.httpRequest(wsi, vhost: vhostKind(wsi) ?? .metrics, path: path)

    case LWS_CALLBACK_HTTP_BODY:
        return core.httpBody(wsi, UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length))

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return core.httpBodyComplete(wsi)

    case LWS_CALLBACK_HTTP_WRITEABLE:
        return core.httpWriteable(wsi)

    case LWS_CALLBACK_CLOSED_HTTP:
        core.httpClosed(wsi)
        return lws_callback_http_dummy(wsi, reason, session, input, length)

    case LWS_CALLBACK_ESTABLISHED:
        guard let session else { return -1 }
        return core.established(wsi, session: session)

    case LWS_CALLBACK_RECEIVE:
        guard let connection = connection(session) else { return 0 }
        return core.receive(wsi, connection, UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length))

    case LWS_CALLBACK_SERVER_WRITEABLE:
        guard let connection = connection(session) else { return 0 }
        return core.writeable(wsi, connection)

    case LWS_CALLBACK_RECEIVE_PONG:
        connection(session)?.lastHeard = .now
        return 0

    case LWS_CALLBACK_CLOSED:
        if let session { core.closed(session: session) }
        return 0

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        // 0: lws answers the peer's close frame with the same code.
        return 0

    default:
        return lws_callback_http_dummy(wsi, reason, session, input, length)
    }
}

private func vhostKind(_ wsi: OpaquePointer) -> VhostKind? {
    guard let proto = lws_get_protocol(wsi) else { return nil }
    return VhostKind(rawValue: proto.pointee.id)
}

/// The connection stored in lws' per-session data (nil before ESTABLISHED and after CLOSED).
private func connection(_ session: UnsafeMutableRawPointer?) -> Connection? {
    guard let raw = session?.load(as: UnsafeMutableRawPointer?.self) else { return nil }
    return Unmanaged<Connection>.fromOpaque(raw).takeUnretainedValue()
}

/// The recurring service tick, scheduled on the context (service thread).
let serviceTickCallback: @convention(c) (UnsafeMutablePointer<lws_sorted_usec_list_t>?) -> Void = { sul in
    guard let sul, let owner = rts_sul_owner_of(sul) else { return }
    let service = Unmanaged<ServiceThread>.fromOpaque(owner).takeUnretainedValue()
    service.tick(sul)
}
