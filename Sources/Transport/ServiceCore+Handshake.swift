import CLibWebSockets

/// The `/ws` (and `/echo`) handshake policy applied where lws asks whether to upgrade.
extension ServiceCore {
    /// LWS_CALLBACK_HTTP_CONFIRM_UPGRADE. Returns 0 to let lws upgrade, 1 after writing a refusal, -1 to hang up.
    func confirmUpgrade(_ wsi: OpaquePointer, vhost: VhostKind, upgrade: String) -> Int32 {
        guard upgrade.lowercased() == "websocket" else {
            // No h2c: every request stays HTTP/1.1 where this policy runs.
            return refuse(wsi, status: 403, reason: "upgrade")
        }
        guard vhost == .main else { return refuse(wsi, status: 404, reason: "not_found") }
        let path = LWSRequest.header(wsi, WSI_TOKEN_GET_URI) ?? ""
        let decision = policy.decide(
            path: path,
            accepting: accepting.load(ordering: .relaxed),
            offeredProtocols: LWSRequest.header(wsi, WSI_TOKEN_PROTOCOL) ?? "",
            origin: LWSRequest.header(wsi, WSI_TOKEN_ORIGIN))
        switch decision {
        case .refuse(let status, let reason):
            return refuse(wsi, status: status, reason: reason)
        case .accept(.app):
            let client = clientAddress(wsi)
            guard openConnections[client, default: 0] < settings.maxConnectionsPerIP else {
                return refuse(wsi, status: 429, reason: "too_many_connections")
            }
            guard delegate.admitConnection(remoteAddress: client) else {
                return refuse(wsi, status: 429, reason: "rate_limited")
            }
            return 0
        case .accept(.echo):
            return 0
        }
    }

    /// Who per-IP limits count this request against (headers must still be attached).
    func clientAddress(_ wsi: OpaquePointer) -> String {
        clientAddresses.resolve(
            peer: LWSRequest.peerAddress(wsi),
            forwardedFor: settings.trustedProxies.isEmpty ? nil : LWSRequest.header(wsi, WSI_TOKEN_X_FORWARDED_FOR))
    }

    private func refuse(_ wsi: OpaquePointer, status: Int, reason: String) -> Int32 {
        metrics.refusedConnection(reason: reason)
        logger.debug("websocket handshake refused", metadata: ["status": "\(status)", "reason": "\(reason)"])
        return HTTPResponder.sendText(wsi, status: status, reason) ? 1 : -1
    }
}
