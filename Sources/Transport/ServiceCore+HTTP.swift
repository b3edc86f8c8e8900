import CLibWebSockets

extension ServiceCore {
    /// LWS_CALLBACK_HTTP: a plain HTTP request (no upgrade). Returns what the lws callback returns.
    func httpRequest(_ wsi: OpaquePointer, vhost: VhostKind, path: String) -> Int32 {
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
