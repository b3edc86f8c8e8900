/// The client a request comes from, for per-IP limits: the TCP peer, unless that peer is one of
/// our trusted proxies, in which case the client it names in `X-Forwarded-For`.
///
/// Anybody can send the header, so it counts only from a trusted peer, and only the hops our own
/// proxies appended: each appends the address it received from, so walking from the right, the
/// first address that is not a trusted proxy is the client. What a client wrote further left is
/// never reached.
struct ClientAddress: Sendable {
    let trustedProxies: [IPNetwork]

    func resolve(peer: String, forwardedFor: String?) -> String {
        guard !trustedProxies.isEmpty, let forwardedFor, let peerAddress = IPAddress(peer), isTrusted(peerAddress) else {
            return peer
        }
        var client = peerAddress
        for hop in forwardedFor.split(separator: ",").reversed() {
            // A hop that is not an address: our proxy chain is misconfigured; keep the last one we can vouch for.
            guard let address = IPAddress(hop) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client.description
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
