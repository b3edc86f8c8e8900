import CLibWebSockets

extension ServiceCore {
    /// LWS_CALLBACK_HTTP: a plain HTTP request (no upgrade). Returns what the lws callback returns.
    func httpRequest(_ wsi: OpaquePointer, vhost: VhostKind, path: String) -> Int32 {
        if vhost == .main, LWSRequest.isGET(wsi), policy.endpoint(forPath: path) == nil,
            let work = delegate.deferredHTTPGet(
                path: path, query: LWSRequest.query(wsi), authorization: LWSRequest.header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION),
                remoteAddress: clientAddress(wsi))
        {
            defer_(wsi, work)
            return 0
        }
        let sent: Bool
        if !LWSRequest.isGET(wsi) {
            sent = HTTPResponder.sendText(wsi, status: 405, "method not allowed", extraHeaders: [("Allow", "GET")])
        } else if let response = route(wsi, vhost: vhost, path: path) {
            sent = HTTPResponder.send(wsi, response)
        } else {
            sent = HTTPResponder.sendText(wsi, status: 404, "not found")
        }
        guard sent else { return -1 }
        // Keeps the connection for the next request (keep-alive), or closes it.
        return lws_http_transaction_completed(wsi) == 0 ? 0 : -1
    }

    /// Runs the application's work off this thread; `deliverHTTPReplies` writes the answer.
    private func defer_(_ wsi: OpaquePointer, _ work: @escaping @Sendable () async -> HTTPResponse) {
        let id = Self.httpRequestIDs.add(1, ordering: .relaxed).newValue
        deferredHTTP[wsi] = id
        deferredWSI[id] = wsi
        let wakeList = wakeList
        Task {
            let response = await work()
            wakeList.addHTTPReply(id: id, response)
        }
    }

    /// From LWS_CALLBACK_EVENT_WAIT_CANCELLED: answers whose connection is still open get written.
    func deliverHTTPReplies() {
        for (id, response) in wakeList.takeHTTPReplies() {
            guard let wsi = deferredWSI.removeValue(forKey: id) else { continue }  // the client left meanwhile
            deferredHTTP[wsi] = nil
            readyHTTP[wsi] = response
            lws_callback_on_writable(wsi)
        }
    }

    /// LWS_CALLBACK_HTTP_WRITEABLE: write a deferred answer, if this connection has one.
    func httpWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let response = readyHTTP.removeValue(forKey: wsi) else { return 0 }
        guard HTTPResponder.send(wsi, response) else { return -1 }
        return lws_http_transaction_completed(wsi) == 0 ? 0 : -1
    }

    /// LWS_CALLBACK_CLOSED_HTTP: forget anything still pending for this connection.
    func httpClosed(_ wsi: OpaquePointer) {
        if let id = deferredHTTP.removeValue(forKey: wsi) { deferredWSI[id] = nil }
        readyHTTP[wsi] = nil
    }

    private func route(_ wsi: OpaquePointer, vhost: VhostKind, path: String) -> HTTPResponse? {
        switch vhost {
        case .metrics:
            guard path == "/metrics" else { return nil }
        case .main:
            if policy.endpoint(forPath: path) != nil {
                return HTTPResponse(status: 426, text: "websocket upgrade required\n")
            }
            // With a separate metrics port, metrics are not exposed on the public one.
            if path == "/metrics" && metricsPort != nil { return nil }
        }
        return delegate.httpGet(
            path: path, query: LWSRequest.query(wsi),
            authorization: LWSRequest.header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION))
    }
}
