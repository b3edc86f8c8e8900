import CLibWebSockets
import Outbound

/// WebSocket connection events on the service thread: open, receive, write, deadline, close.
extension ServiceCore {
    /// LWS_CALLBACK_ESTABLISHED: the handshake is done (headers are still attached here).
    func established(_ wsi: OpaquePointer, session: UnsafeMutableRawPointer) -> Int32 {
        let path = LWSRequest.header(wsi, WSI_TOKEN_GET_URI) ?? ""
        guard let endpoint = policy.endpoint(forPath: path) else { return -1 }
        let connection = Connection(
            id: Self.connectionIDs.add(1, ordering: .relaxed).newValue,
            remoteAddress: clientAddress(wsi),
            endpoint: endpoint,
            maxMessageBytes: endpoint == .echo ? Self.echoMessageLimit : settings.maxFrameBytes,
            maxOutboundBytes: endpoint == .echo ? max(settings.maxOutboundBytes, Self.echoOutboundLimit) : settings.maxOutboundBytes,
            core: self,
            wsi: wsi,
            heartbeat: heartbeat)
        // lws' per-session data holds one retain, given back in `closed`.
        session.storeBytes(of: Unmanaged.passRetained(connection).toOpaque(), as: UnsafeMutableRawPointer?.self)
        registry[connection.connectionID] = connection
        let live = liveConnections.add(1, ordering: .relaxed).newValue
        metrics.recordConnections(live)
        if endpoint == .app {
            openConnections[connection.remoteAddress, default: 0] += 1
            delegate.connectionOpened(connection)
        }
        return 0
    }

    /// LWS_CALLBACK_RECEIVE: one chunk of a message.
    func receive(_ wsi: OpaquePointer, _ connection: Connection, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        connection.lastHeard = .now
        metrics.pendingBytesIn += bytes.count
        let outcome = connection.inbound.append(
            bytes,
            isFinal: lws_is_final_fragment(wsi) != 0,
            isBinary: lws_frame_is_binary(wsi) != 0,
            remainingInFrame: Int(lws_remaining_packet_payload(wsi)),
            limit: connection.maxMessageBytes)
        switch outcome {
        case .needMore:
            return 0
        case .tooLarge where connection.inbound.isDiscardingWithinBound:
            // Read the rest of the message first, so the peer is listening when the close frame comes.
            return 0
        case .tooLarge:
            return closeNow(wsi, connection, Self.tooBig)
        case .tooLargeEnded:
            connection.close(code: Self.tooBig.code, reason: Self.tooBig.reason, flush: false)
            return 0
        case .message(let message, let isBinary):
            metrics.pendingFramesIn += 1
            // Read only to be discarded once a close is requested (see `service`).
            if connection.isClosing { return 0 }
            switch connection.endpoint {
            case .app:
                if delegate.connection(connection, received: message, isBinary: isBinary) == .pause, !connection.pauseWanted {
                    // Applied after this read is processed (see `service`): lws stashes what it already read
                    // when rx stops mid-buffer, and 4.1 then never re-enables a wsi with a stash.
                    connection.pauseWanted = true
                    wakeList.add(connection)
                }
            case .echo:
                connection.send(SharedFrame(message, isBinary: isBinary))
            }
            return 0
        }
    }

    private static let tooBig = CloseRequest(code: 1009, reason: "message too big", flush: false)

    /// LWS_CALLBACK_SERVER_WRITEABLE: exactly one `lws_write` (a due ping, or one or a batch of
    /// frames), then ask again if more is queued.
    func writeable(_ wsi: OpaquePointer, _ connection: Connection) -> Int32 {
        // After the close frame nothing more is written. Returning -1 again here would make lws drop
        // the connection at once instead of awaiting the peer's close reply: with input still
        // arriving, the kernel then resets it and the peer can lose our close frame.
        if connection.closeStarted { return 0 }
        if connection.pingDue {
            connection.pingDue = false
            if writeBatch.writePing(to: wsi) < 0 { return -1 }
            // Frames or a close may be waiting behind the ping.
            lws_callback_on_writable(wsi)
            return 0
        }
        switch connection.nextWrite(into: &writeBatch.frames, budget: FrameBatch.budget) {
        case .idle:
            return 0
        case .close(let request):
            return closeNow(wsi, connection, request)
        case .frames(let more):
            metrics.pendingFramesOut += writeBatch.frames.count
            let (written, payloadBytes) = writeBatch.write(to: wsi)
            if written < 0 { return -1 }
            metrics.pendingBytesOut += payloadBytes
            if more { lws_callback_on_writable(wsi) }
            return 0
        }
    }

    /// The connection's deadline passed (found by `sweep`).
    func deadlinePassed(_ connection: Connection) {
        guard let close = connection.armedDeadline?.close else { return }
        connection.armedDeadline = nil
        if connection.endpoint == .app {
            delegate.connectionDeadlinePassed(connection)
        }
        connection.close(code: close.code, reason: close.reason, flush: close.flush)
    }

    /// LWS_CALLBACK_CLOSED: the connection is gone; balance the retain taken in `established`.
    func closed(session: UnsafeMutableRawPointer) {
        guard let raw = session.load(as: UnsafeMutableRawPointer?.self) else { return }
        session.storeBytes(of: nil, as: UnsafeMutableRawPointer?.self)
        let connection = Unmanaged<Connection>.fromOpaque(raw).takeRetainedValue()
        connection.wsi = nil
        connection.markClosed()
        registry[connection.connectionID] = nil
        let live = liveConnections.subtract(1, ordering: .relaxed).newValue
        metrics.recordConnections(live)
        if connection.endpoint == .app {
            let address = connection.remoteAddress
            // Dropped at zero so the table holds only addresses with open connections.
            if let open = openConnections[address], open > 1 { openConnections[address] = open - 1 } else { openConnections[address] = nil }
            delegate.connectionClosed(connection)
        }
    }

    /// Sends a close frame with `request`'s code; the caller returns the result (-1) to lws.
    private func closeNow(_ wsi: OpaquePointer, _ connection: Connection, _ request: CloseRequest) -> Int32 {
        connection.markClosing(request)
        connection.closeStarted = true
        // A close reason is at most 123 bytes; cut on a character boundary.
        var reason = Array(request.reason.utf8)
        if reason.count > 123 {
            var cut = 123
            while cut > 0 && (reason[cut] & 0xC0) == 0x80 { cut -= 1 }
            reason = Array(reason[..<cut])
        }
        reason.withUnsafeMutableBufferPointer { bytes in
            lws_close_reason(wsi, lws_close_status(UInt32(request.code)), bytes.baseAddress, bytes.count)
        }
        return -1
    }
}
