import CLibWebSockets

/// A request whose body is still arriving (service thread only).
struct PendingHTTPBody {
    var request: HTTPRequest
    var expected: Int
}

extension ServiceCore {
    /// LWS_CALLBACK_HTTP: a plain HTTP request (no upgrade). Returns what the lws callback returns.
    func httpRequest(_ wsi: OpaquePointer, vhost: VhostKind, path: String) -> Int32 {
        guard let method = LWSRequest.method(wsi) else { return methodNotAllowed(wsi) }
        if vhost == .main, policy.endpoint(forPath: path) == nil {
            let request = HTTPRequest(
                method: method, path: path, query: LWSRequest.query(wsi),
                authorization: LWSRequest.header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION), remoteAddress: clientAddress(wsi))
            switch method == .get ? .none : LWSRequest.bodyFraming(wsi) {
            case .none:
                return dispatch(wsi, request)
            case .length(let length) where length > HTTPRequest.maxBodyBytes:
                return refuse(wsi, status: 413, "request body over \(HTTPRequest.maxBodyBytes) bytes")
            case .length(let length):
                // LWS_CALLBACK_HTTP_BODY brings it; BODY_COMPLETION dispatches.
                pendingBodies[wsi] = PendingHTTPBody(request: request, expected: length)
                return 0
            case .unsupported:
                return refuse(wsi, status: 411, "send the body with a Content-Length")
            }
        }
        guard method == .get else { return methodNotAllowed(wsi) }
        return answer(wsi, route(wsi, vhost: vhost, path: path))
    }

    /// LWS_CALLBACK_HTTP_BODY: one piece of a request body.
    func httpBody(_ wsi: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard var pending = pendingBodies.removeValue(forKey: wsi) else { return 0 }
        pending.request.body.append(contentsOf: bytes)
        // lws stops at Content-Length; this guards against a body that still overruns it.
        guard pending.request.body.count <= pending.expected else {
            return refuse(wsi, status: 413, "request body longer than its Content-Length")
        }
        pendingBodies[wsi] = pending
        return 0
    }

    /// LWS_CALLBACK_HTTP_BODY_COMPLETION: the whole body is here.
    func httpBodyComplete(_ wsi: OpaquePointer) -> Int32 {
        guard let pending = pendingBodies.removeValue(forKey: wsi) else { return 0 }
        return dispatch(wsi, pending.request)
    }

    /// Hands a whole request to the application; what it does not take gets the synchronous routes.
    private func dispatch(_ wsi: OpaquePointer, _ request: HTTPRequest) -> Int32 {
        if let work = delegate.deferredHTTP(request) {
            defer_(wsi, work)
            return 0
        }
        guard request.method == .get else { return methodNotAllowed(wsi) }
        return answer(wsi, route(wsi, vhost: .main, path: request.path))
    }

    private func answer(_ wsi: OpaquePointer, _ response: HTTPResponse?) -> Int32 {
        let sent: Bool
        if let response {
            sent = HTTPResponder.send(wsi, response)
        } else {
            sent = HTTPResponder.sendText(wsi, status: 404, "not found")
        }
        guard sent else { return -1 }
        // Keeps the connection for the next request (keep-alive), or closes it.
        return lws_http_transaction_completed(wsi) == 0 ? 0 : -1
    }

    private func methodNotAllowed(_ wsi: OpaquePointer) -> Int32 {
        guard HTTPResponder.sendText(wsi, status: 405, "method not allowed", extraHeaders: [("Allow", "GET")]) else { return -1 }
        return lws_http_transaction_completed(wsi) == 0 ? 0 : -1
    }

    /// Answers and closes: the rest of the body is not read, so the connection cannot carry another request.
    private func refuse(_ wsi: OpaquePointer, status: Int, _ text: String) -> Int32 {
        _ = HTTPResponder.sendText(wsi, status: status, text, extraHeaders: [("Connection", "close")])
        return -1
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
        pendingBodies[wsi] = nil
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
